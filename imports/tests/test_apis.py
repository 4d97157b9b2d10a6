"""The import API and page: template, dry run, errors workbook, import; scope."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from imports.tests.test_survey import BAD, GOOD, moet_file
from surveys.models import Household, Resident, Round
from tests.factories import ROUND, api_client, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    Round.objects.get_or_create(year=ROUND)
    return settings.MEDIA_ROOT


@pytest.fixture
def officer(city):
    return make_user("cb", "commune_officer", city.commune_a)


def _upload(path):
    return SimpleUploadedFile("MauNhapLieu.xlsx", path.read_bytes())


def test_template_download(officer, media):
    response = api_client(officer).get("/api/reports/imports/template")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames[0] == "NhapLieu"


def test_dry_run_then_import_through_the_api(city, officer, media, tmp_path):
    client = api_client(officer)
    path = moet_file(tmp_path / "m.xlsx")
    response = client.post(
        "/api/reports/imports/dry-run",
        {"file": _upload(path), "commune": city.commune_a.code, "round": ROUND},
        format="multipart",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["dry_run"] and body["households_created"] == 3 and body["rows_rejected"] == len(BAD)
    assert body["errors_file"] and not Household.objects.exists()
    errors = client.get(f"/api/reports/imports/{body['upload']}/errors")
    assert errors.status_code == 200
    rows = list(
        load_workbook(io.BytesIO(b"".join(errors.streaming_content))).active.iter_rows(
            values_only=True
        )
    )
    assert {r[0] for r in rows[1:]} == set(BAD)
    done = client.post(
        "/api/reports/imports/",
        {"upload": body["upload"], "commune": city.commune_a.code, "round": ROUND},
        format="multipart",
    )
    assert done.status_code == 200 and not done.json()["dry_run"]
    assert Resident.objects.filter(commune=city.commune_a).count() == len(GOOD)


def test_out_of_scope_and_surveyors_get_404(city, surveyor, media, tmp_path):
    path = moet_file(tmp_path / "m.xlsx")
    other = make_user("cb2", "commune_officer", city.commune_b)
    for user in (surveyor, other):
        response = api_client(user).post(
            "/api/reports/imports/dry-run",
            {"file": _upload(path), "commune": city.commune_a.code, "round": ROUND},
            format="multipart",
        )
        assert response.status_code == 404
    assert not Household.objects.exists()


def test_someone_elses_upload_is_not_found(city, officer, media, tmp_path):
    body = (
        api_client(officer)
        .post(
            "/api/reports/imports/dry-run",
            {
                "file": _upload(moet_file(tmp_path / "m.xlsx")),
                "commune": city.commune_a.code,
                "round": ROUND,
            },
            format="multipart",
        )
        .json()
    )
    boss = make_user("tp", "city_staff", city.city)
    assert api_client(boss).get(f"/api/reports/imports/{body['upload']}/errors").status_code == 404
    response = api_client(boss).post(
        "/api/reports/imports/",
        {"upload": body["upload"], "commune": city.commune_a.code, "round": ROUND},
        format="multipart",
    )
    assert response.status_code == 404 and not Household.objects.exists()


def test_unreadable_file_is_a_400_naming_the_file(city, officer, media):
    response = api_client(officer).post(
        "/api/reports/imports/dry-run",
        {
            "file": SimpleUploadedFile("x.xlsx", b"junk"),
            "commune": city.commune_a.code,
            "round": ROUND,
        },
        format="multipart",
    )
    assert response.status_code == 400 and "file" in response.json()["errors"]


def test_page_dry_run_and_confirm(city, officer, media, tmp_path):
    client = Client()
    client.force_login(officer)
    assert client.get("/reports/import/").status_code == 200
    path = moet_file(tmp_path / "m.xlsx")
    page = client.post(
        "/reports/import/",
        {
            "file": _upload(path),
            "commune": city.commune_a.code,
            "round": ROUND,
            "action": "dry_run",
        },
    )
    html = page.content.decode()
    assert page.status_code == 200 and "Chạy thử" in html and "Thôn Không Có" in html
    assert not Household.objects.exists()
    upload = page.context["summary"]["upload"]
    done = client.post(
        "/reports/import/",
        {"upload": upload, "commune": city.commune_a.code, "round": ROUND, "action": "import"},
    )
    assert done.status_code == 200 and "Đã nhập" in done.content.decode()
    assert Household.objects.filter(commune=city.commune_a).count() == 3


def test_page_is_not_for_surveyors(surveyor, media):
    client = Client()
    client.force_login(surveyor)
    assert client.get("/reports/import/").status_code == 404
