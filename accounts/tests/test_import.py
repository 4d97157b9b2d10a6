"""Bulk import from Excel: template, dry run with each row's problems, apply, idempotent re-import."""

import io

import pytest
from django.contrib.auth import get_user_model
from openpyxl import Workbook, load_workbook

from accounts.imports import COLUMNS
from accounts.models import AccountEvent, FirstPassword, ImportJob
from accounts.tests.conftest import page_client
from accounts.tests.helpers import new_surveyor
from tests.factories import make_user

pytestmark = pytest.mark.django_db
User = get_user_model()

GOOD = [
    ["hoa.tt", "Trần Thị Hoa", "0912345678", "TH Lê Chân", "", "11311-01", "1"],
    ["binh.lv", "Lê Văn Bình", "", "THCS Lê Chân", "", "11311-01, 11311-02", ""],
]
BAD = [
    ["", "Không Tên", "", "", "", "", ""],  # row 4: no username
    [
        "nam.nv",
        "Nguyễn Văn Nam",
        "12",
        "",
        "",
        "11602-01",
        "",
    ],  # row 5: bad phone, village of another commune
    ["hoa.tt", "Trần Thị Hoa", "", "", "", "", ""],  # row 6: twice in the file
    ["an.pv", "Phạm Văn An", "", "", "11602", "", ""],  # row 7: a commune outside the officer's
    [
        "xa-a",
        "Cán Bộ Xã",
        "",
        "",
        "",
        "",
        "",
    ],  # row 8: an existing account that is not a surveyor of the team
    ["tu.lt", "Lê Thị Tư", "", "", "", "", "có lẽ"],  # row 9: active not understood
]


def sheet(rows, header=COLUMNS) -> io.BytesIO:
    book = Workbook()
    book.active.append(header)
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "dieu-tra-vien.xlsx"
    return out


def upload(client, code, rows, **kwargs):
    return client.post(f"/team/{code}/import/", {"file": sheet(rows, **kwargs)})


def check_and_apply(client, code, rows, capture) -> ImportJob:
    response = upload(client, code, rows)
    assert response.status_code == 302, response.content.decode()[:500]
    job = ImportJob.objects.latest("pk")
    with capture(execute=True):
        assert client.post(response["Location"]).status_code == 302
    job.refresh_from_db()
    return job


def test_the_template_downloads_with_the_columns_and_the_communes_villages(city, officer_page):
    response = officer_page.get(f"/team/{city.commune_a.code}/import/template.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    assert [c.value for c in book.worksheets[0][1]] == COLUMNS
    villages = [[c.value for c in row] for row in book.worksheets[2].iter_rows(min_row=2)]
    assert [v[2] for v in villages] == ["11311-01", "11311-02"]
    assert book.worksheets[1]["A1"].value == "Cột"  # the instructions, in Vietnamese


def test_the_dry_run_lists_each_bad_rows_problems_in_vietnamese_and_changes_nothing(
    city, officer, officer_page
):
    response = upload(officer_page, city.commune_a.code, GOOD + BAD)
    job = ImportJob.objects.get()
    assert response["Location"] == f"/team/{city.commune_a.code}/import/{job.pk}/"
    problems = {(r["row"], p["field"]) for r in job.report for p in r["problems"]}
    assert problems == {
        (4, "username"),
        (5, "phone"),
        (5, "villages"),
        (6, "username"),
        (7, "commune"),
        (8, "username"),
        (9, "active"),
    }
    messages = {p["message"] for r in job.report for p in r["problems"]}
    assert "Không có xã mã 11602 trong địa bàn của bạn." in messages
    assert "Tên đăng nhập này xuất hiện hai lần trong tệp." in messages
    assert job.summary == {"create": 2, "update": 0, "unchanged": 0, "error": 6}
    assert not User.objects.filter(username__in=["hoa.tt", "binh.lv"]).exists()
    page = officer_page.get(response["Location"]).content.decode()
    assert "Không có thôn/tổ mã 11602-01 trong Phường Lê Chân." in page


def test_confirming_applies_the_good_rows_and_skips_the_bad_ones(
    city, officer, officer_page, django_capture_on_commit_callbacks
):
    job = check_and_apply(
        officer_page, city.commune_a.code, GOOD + BAD, django_capture_on_commit_callbacks
    )
    assert job.status == "done" and job.rows == []
    hoa = User.objects.get(username="hoa.tt")
    assert hoa.get_full_name() == "Hoa Trần Thị" and hoa.account_profile.phone == "0912345678"
    assert hoa.account_profile.must_change_password
    assert sorted(
        User.objects.get(username="binh.lv").memberships.values_list("area__code", flat=True)
    ) == ["11311-01", "11311-02"]
    assert not User.objects.filter(username__in=["nam.nv", "an.pv", "tu.lt"]).exists()
    assert FirstPassword.objects.filter(issued_by=officer).count() == 2
    bulk = AccountEvent.objects.get(action="bulk_import")
    assert bulk.details["create"] == 2 and bulk.details["error"] == 6 and bulk.actor == officer
    assert (
        AccountEvent.objects.filter(action="create", details__source=f"import:{job.pk}").count()
        == 2
    )


def test_importing_the_same_file_twice_changes_nothing_the_second_time(
    city, officer_page, django_capture_on_commit_callbacks
):
    check_and_apply(officer_page, city.commune_a.code, GOOD, django_capture_on_commit_callbacks)
    events = AccountEvent.objects.exclude(action="bulk_import").count()
    passwords = dict(
        User.objects.filter(username__in=["hoa.tt", "binh.lv"]).values_list("username", "password")
    )
    second = check_and_apply(
        officer_page, city.commune_a.code, GOOD, django_capture_on_commit_callbacks
    )
    assert second.summary == {"create": 0, "update": 0, "unchanged": 2, "error": 0}
    assert AccountEvent.objects.exclude(action="bulk_import").count() == events
    assert (
        dict(
            User.objects.filter(username__in=["hoa.tt", "binh.lv"]).values_list(
                "username", "password"
            )
        )
        == passwords
    )


def test_a_changed_row_updates_the_account_and_its_villages(
    city, officer, officer_page, django_capture_on_commit_callbacks
):
    new_surveyor(
        officer, city.commune_a, name="Trần Thị Hoa", username="hoa.tt", villages=[city.village_a1]
    )
    rows = [["hoa.tt", "", "0987654321", "", "", "11311-02", "0"]]
    job = check_and_apply(
        officer_page, city.commune_a.code, rows, django_capture_on_commit_callbacks
    )
    assert job.report[0]["action"] == "update" and set(job.report[0]["changes"]) == {
        "phone",
        "villages",
        "active",
    }
    hoa = User.objects.get(username="hoa.tt")
    assert (hoa.account_profile.phone, hoa.is_active) == ("0987654321", False)
    assert list(hoa.memberships.values_list("area__code", flat=True)) == ["11311-02"]
    assert hoa.get_full_name() == "Hoa Trần Thị"


def test_city_staff_import_rows_of_several_communes_with_the_commune_column(
    city, django_capture_on_commit_callbacks
):
    staff = page_client(make_user("tp", "city_staff", city.city))
    rows = [
        ["hoa.tt", "Trần Thị Hoa", "", "", "11311", "11311-01", ""],
        ["lan.nt", "Nguyễn Thị Lan", "", "", "11602", "11602-01", ""],
        ["ba.dinh", "Hà Văn Ba", "", "", "00004", "", ""],
        ["no.commune", "Lý Văn Cư", "", "", "", "", ""],
    ]
    job = check_and_apply(staff, city.city.code, rows, django_capture_on_commit_callbacks)
    assert job.summary == {"create": 2, "update": 0, "unchanged": 0, "error": 2}
    assert User.objects.get(username="lan.nt").account_profile.commune == city.commune_b


def test_a_file_that_is_not_excel_or_lacks_columns_is_refused_with_a_message(city, officer_page):
    bad = io.BytesIO(b"username,villages\n")
    bad.name = "a.csv"
    response = officer_page.post(f"/team/{city.commune_a.code}/import/", {"file": bad})
    assert (
        response.status_code == 400
        and "Đây không phải tệp Excel .xlsx." in response.content.decode()
    )
    response = upload(officer_page, city.commune_a.code, [["x"]], header=["name"])
    assert response.status_code == 400 and "Thiếu cột" in response.content.decode()


def test_another_officer_cannot_see_or_confirm_someone_elses_import(city, officer_page):
    upload(officer_page, city.commune_a.code, GOOD)
    job = ImportJob.objects.get()
    other = page_client(make_user("xa-a2", "commune_officer", city.commune_a))
    assert other.get(f"/team/{city.commune_a.code}/import/{job.pk}/").status_code == 404
    assert other.post(f"/team/{city.commune_a.code}/import/{job.pk}/").status_code == 404
