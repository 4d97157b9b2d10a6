"""Vietnamese first: every message of ours has a Vietnamese translation."""

import ast
import re
from pathlib import Path

import polib
from django.conf import settings
from django.utils import translation

ROOT = Path(settings.BASE_DIR)
CATALOGS = sorted(ROOT.glob("*/locale/vi/LC_MESSAGES/django.po"))
CALL = re.compile(
    r"""\b(?:_|gettext|gettext_lazy)\(\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')\s*[,)]"""
)


def source_messages() -> set[str]:
    found = set()
    for path in ROOT.glob("*/**/*.py"):
        if (
            any(part.startswith(".") for part in path.relative_to(ROOT).parts)
            or "tests" in path.parts
            or "migrations" in path.parts
        ):
            continue
        for match in CALL.finditer(path.read_text(encoding="utf-8")):
            found.add(ast.literal_eval(match.group(1)))
    return found


def test_every_message_in_the_code_has_a_vietnamese_translation():
    catalog = {entry.msgid: entry for po in CATALOGS for entry in polib.pofile(str(po))}
    messages = source_messages()
    assert len(messages) > 50
    untranslated = sorted(m for m in messages if m not in catalog or not catalog[m].msgstr)
    assert untranslated == []
    assert not [e.msgid for e in catalog.values() if "fuzzy" in e.flags]


def test_vietnamese_is_the_default_and_english_is_available():
    assert settings.LANGUAGE_CODE == "vi"
    assert translation.gettext("Some fields are invalid.") == "Một số trường không hợp lệ."
    with translation.override("en"):
        assert translation.gettext("Some fields are invalid.") == "Some fields are invalid."
