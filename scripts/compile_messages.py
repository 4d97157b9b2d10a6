"""Compile every locale/*.po under the project into .mo files (no GNU gettext needed)."""

from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    for po_path in sorted(ROOT.glob("*/locale/*/LC_MESSAGES/*.po")):
        if ".venv" in po_path.parts:
            continue
        po = polib.pofile(str(po_path))
        po.save_as_mofile(str(po_path.with_suffix(".mo")))


if __name__ == "__main__":
    main()
