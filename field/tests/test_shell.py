"""The installable shell: manifest, service worker, precache list and its version."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from PIL import Image

from field import shell
from field.icons import ANY_SIZES, MASKABLE_SIZES, make_icons

pytestmark = pytest.mark.django_db
STATIC = Path(settings.BASE_DIR) / "field" / "static"


def test_the_shell_page_links_the_manifest_the_styles_and_the_app_module(client):
    response = client.get("/field/")
    assert response.status_code == 200 and response["Cache-Control"] == "no-cache"
    html = response.content.decode()
    assert '<link rel="manifest" href="/manifest.json">' in html
    assert '<script type="module" src="/static/field/app.js">' in html
    assert '<html lang="vi">' in html
    assert client.get("/field/", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_the_manifest_is_vietnamese_standalone_with_any_and_maskable_icons(client):
    manifest = json.loads(client.get("/manifest.json").content)
    assert manifest["name"] == "PCGD-XMC Điều tra" and manifest["lang"] == "vi"
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == (
        "/field/",
        "/field/",
        "standalone",
    )
    assert manifest["theme_color"] == "#0b5394"
    for icon in manifest["icons"]:
        path = STATIC / icon["src"].removeprefix("/static/")
        side = int(icon["sizes"].split("x")[0])
        with Image.open(path) as image:
            assert image.size == (side, side) and image.format == "PNG"
    purposes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert {
        ("192x192", "any"),
        ("512x512", "any"),
        ("192x192", "maskable"),
        ("512x512", "maskable"),
    } <= purposes


def test_the_icons_are_made_from_one_source_at_every_size(tmp_path):
    written = {path.name for path in make_icons(out_dir=tmp_path)}
    assert {f"icon-{s}.png" for s in ANY_SIZES} | {
        f"maskable-{s}.png" for s in MASKABLE_SIZES
    } <= written
    with Image.open(tmp_path / "maskable-512.png") as maskable:
        assert (
            maskable.convert("RGBA").getpixel((2, 2))[3] == 255
        )  # full bleed: a launcher may cut any shape
    with Image.open(tmp_path / "icon-512.png") as icon:
        assert icon.convert("RGBA").getpixel((2, 2))[3] == 0  # rounded corners
    for name in written:  # the committed icons are what the source makes
        with (
            Image.open(tmp_path / name) as made,
            Image.open(STATIC / "field" / "icons" / name) as committed,
        ):
            assert made.size == committed.size


def test_the_service_worker_is_ours_and_imports_the_versioned_file_list(client):
    worker = client.get("/serviceworker.js")
    assert worker.status_code == 200 and worker["Content-Type"] == "application/javascript"
    assert b'importScripts("/field/sw-version.js")' in worker.content
    version = client.get("/field/sw-version.js")
    assert version["Cache-Control"] == "no-cache, no-store"
    payload = json.loads(
        re.fullmatch(r"self\.FIELD_SHELL = (.*);\n", version.content.decode()).group(1)
    )
    assert payload["version"] == shell.shell_version() and len(payload["version"]) == 16
    assert {
        "/field/",
        "/manifest.json",
        "/static/field/app.js",
        "/static/field/rules.js",
        "/api/rules?lang=vi",
        "/field/i18n/vi.json",
        "/field/i18n/en.json",
        "/static/field/icons/favicon-32.png",
    } <= set(payload["files"])
    assert (
        "/static/field/icons/icon-512.png" not in payload["files"]
    )  # the launcher's icons are fetched at install


def test_every_precached_url_answers_without_signing_in(client):
    for url in shell.shell_urls():
        response = client.get(url)
        assert response.status_code == 200, url


def test_the_version_changes_with_a_release_and_with_any_shell_file(
    settings, monkeypatch, tmp_path
):
    shell.shell_version.cache_clear()
    first = shell.shell_version()
    settings.FIELD_APP_RELEASE = "2"
    shell.shell_version.cache_clear()
    second = shell.shell_version()
    settings.FIELD_APP_RELEASE = ""
    (tmp_path / "field").mkdir()
    (tmp_path / "field" / "app.js").write_text("changed")
    monkeypatch.setattr(shell, "STATIC_DIR", tmp_path)
    shell.shell_version.cache_clear()
    third = shell.shell_version()
    monkeypatch.undo()
    shell.shell_version.cache_clear()
    assert len({first, second, third}) == 3 and shell.shell_version() == first


def test_the_app_modules_import_only_relative_modules_without_a_build_step():
    for path in (STATIC / "field").rglob("*.js"):
        for target in re.findall(
            r'^import .* from "([^"]+)";', path.read_text(encoding="utf-8"), re.M
        ):
            assert target.startswith("./") or target.startswith("../"), (path, target)
            assert (path.parent / target).resolve().exists(), (path, target)
