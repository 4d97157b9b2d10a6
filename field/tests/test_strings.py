"""The app's texts come from gettext: every t("…") of the JavaScript is declared and translated."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings

from field.strings import STRINGS

STATIC = Path(settings.BASE_DIR) / "field" / "static" / "field"
CALL = re.compile(r"""\bt\(\s*("(?:[^"\\]|\\.)*")""")


def javascript_texts() -> set[str]:
    found = set()
    for path in STATIC.rglob("*.js"):
        found |= {json.loads(match) for match in CALL.findall(path.read_text(encoding="utf-8"))}
    return found


def test_every_text_of_the_javascript_is_declared_for_gettext():
    texts = javascript_texts()
    assert len(texts) > 100
    assert sorted(texts - set(STRINGS)) == []
    assert sorted(set(STRINGS) - texts) == []  # and nothing stale


def test_the_javascript_uses_no_single_quoted_texts():
    for path in STATIC.rglob("*.js"):
        assert not re.search(r"\bt\(\s*'", path.read_text(encoding="utf-8")), path


@pytest.mark.django_db
def test_the_catalogue_serves_vietnamese_and_english(client):
    vi = client.get("/field/i18n/vi.json").json()
    assert vi["lang"] == "vi" and vi["messages"]["Sync"] == "Đồng bộ"
    assert vi["messages"]["Saved on the server at %(time)s"] == "Đã lưu trên máy chủ lúc %(time)s"
    assert [text for text in STRINGS if vi["messages"][text] == text] == []  # every one translated
    en = client.get("/field/i18n/en.json").json()
    assert en["messages"]["Sync"] == "Sync"
    assert client.get("/field/i18n/fr.json").status_code == 404
