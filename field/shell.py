"""The app shell: what the service worker precaches, and the version it is cached under.

The version is a hash of every byte the shell is made of (the static files of
field/static/field/, the two translation catalogues, the two rule specs, the shell
page and the manifest settings) plus ``FIELD_APP_RELEASE``. The service worker
imports it (``/field/sw-version.js``), so any change to any of them is a new
service worker for the browser: it installs the new shell beside the old one and
waits until the surveyor accepts the update (docs/field-app.md).
"""

import hashlib
import json
from functools import cache
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from field.i18n import catalog
from surveys.rules import rules_spec

STATIC_DIR = Path(__file__).resolve().parent / "static"
LANGUAGES = ("vi", "en")
SHELL_PAGE = "/field/"
SKIP_SUFFIXES = (".map", ".md")


def static_files() -> list[str]:
    """Paths (relative to the static root) of the app's static files."""
    root = STATIC_DIR / "field"
    return sorted(
        str(path.relative_to(STATIC_DIR))
        for path in root.rglob("*")
        if path.is_file() and path.suffix not in SKIP_SUFFIXES
    )


def rules_json(lang: str) -> bytes:
    with translation.override(lang):
        return json.dumps(rules_spec(), ensure_ascii=False, separators=(",", ":")).encode()


def catalog_json(lang: str) -> bytes:
    return json.dumps(
        catalog(lang), ensure_ascii=False, separators=(",", ":"), sort_keys=True
    ).encode()


def shell_page() -> bytes:
    """The one HTML page; every module is preloaded at once (no import waterfall on a slow phone)."""
    modules = [f"{settings.STATIC_URL}{path}" for path in static_files() if path.endswith(".js")]
    return render_to_string(
        "field/shell.html", {"static": settings.STATIC_URL, "modules": modules}
    ).encode()


def precached(path: str) -> bool:
    """The launcher icons are fetched by the browser when the app is installed, not by pages:
    only the favicon is part of the offline shell."""
    return not path.startswith("field/icons/") or path.endswith("favicon-32.png")


def shell_urls() -> list[str]:
    """Every URL the service worker precaches (same-origin paths with their query)."""
    urls = [SHELL_PAGE, "/manifest.json"]
    urls += [f"{settings.STATIC_URL}{path}" for path in static_files() if precached(path)]
    urls += [f"/field/i18n/{lang}.json" for lang in LANGUAGES]
    urls += [f"/api/rules?lang={lang}" for lang in LANGUAGES]
    return urls


@cache
def shell_version() -> str:
    digest = hashlib.sha256()
    digest.update(settings.FIELD_APP_RELEASE.encode())
    for path in static_files():
        digest.update(path.encode())
        digest.update((STATIC_DIR / path).read_bytes())
    for lang in LANGUAGES:
        digest.update(catalog_json(lang))
        digest.update(rules_json(lang))
    digest.update(shell_page())
    manifest = {k: str(getattr(settings, k)) for k in dir(settings) if k.startswith("PWA_")}
    digest.update(json.dumps(manifest, sort_keys=True).encode())
    return digest.hexdigest()[:16]
