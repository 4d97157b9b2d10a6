"""``manage.py export_report`` and the /reports/ page."""

import io
import json
import re
import zipfile

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from reports.forms import FORMS
from reports.tests.sheet import Sheet
from tests.factories import ROUND, make_user


def run(*args) -> dict:
    out = io.StringIO()
    call_command("export_report", *args, stdout=out)
    return json.loads(out.getvalue())


def test_command_writes_one_form(populated, tmp_path):
    out = tmp_path / "th02.xlsx"
    summary = run("--form", "TH-02", "--area", "11311", "--round", str(ROUND), "--out", str(out))
    assert (
        summary["forms"] == ["TH-02"]
        and summary["area"] == "11311"
        and summary["bytes"] == out.stat().st_size
    )
    sheet = Sheet(out.read_bytes())
    assert sheet.ws.title == "TH-02" and sheet.order[-1] == "Cộng Phường Lê Chân"


def test_command_writes_all_forms_as_a_zip(populated, tmp_path):
    out = tmp_path / "all.zip"
    summary = run("--form", "ALL", "--area", "31", "--round", str(ROUND), "--out", str(out))
    with zipfile.ZipFile(out) as zf:
        assert len(zf.namelist()) == len(FORMS) == len(summary["files"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--form", "XYZ", "--area", "11311"), "Unknown form"),
        (("--form", "MN-5", "--area", "99999"), "99999"),
        (("--form", "MN-5", "--area", "11311-01"), "village"),
    ],
)
def test_command_errors_are_clear(populated, tmp_path, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args, "--round", str(ROUND), "--out", str(tmp_path / "x.xlsx"))


def test_command_unknown_round(populated, tmp_path):
    with pytest.raises(CommandError, match="round 1990"):
        run(
            "--form",
            "MN-5",
            "--area",
            "11311",
            "--round",
            "1990",
            "--out",
            str(tmp_path / "x.xlsx"),
        )


def test_page_for_an_officer(populated):
    officer = make_user("canbo", "commune_officer", populated.commune_a)
    client = Client()
    client.force_login(officer)
    response = client.get("/reports/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "11311" in html and "11602" not in html
    for code in FORMS:
        assert f'value="form:{code}"' in html
    assert 'data-api="/api/reports/exports/"' in html and "reports/reports.js" in html
    inline = [
        s
        for s in re.findall(r"<script([^>]*)>", html)
        if "src=" not in s and "application/json" not in s
    ]
    assert inline == []


def test_page_refused_to_a_surveyor(populated):
    client = Client()
    client.force_login(make_user("gv", "surveyor", populated.village_a1))
    assert client.get("/reports/").status_code == 404
