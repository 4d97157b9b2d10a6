"""Imports: a crafted MauNhapLieu file with good and bad rows, its re-import, our own template, the command."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook
from openpyxl.utils import column_index_from_string

from audit.models import AuditEvent
from imports.survey import (
    OWN_KEYS,
    OWN_SHEET,
    ImportRefused,
    import_file,
    write_errors_workbook,
    write_template,
)
from surveys.models import Change, Enrollment, Household, Resident, Round
from surveys.services import household_upsert
from surveys.signoff import sign_off
from tests.factories import ROUND, make_user

pytestmark = pytest.mark.django_db


def moet_row(**cells) -> list:
    row = [None] * 51
    for letter, value in cells.items():
        row[column_index_from_string(letter) - 1] = value
    return row


GOOD = {
    # household 1 (Tổ dân phố 1): head, a girl in grade 6 who completed primary, a boy repeating grade 6
    5: dict(C="Nguyễn Văn", D="Nam", G=1985, I="KINH", N="Tổ dân phố 1", O="1", P="Thường trú", AV="Chủ hộ", AX="912345678"),
    6: dict(C="Nguyễn Thị", D="Hương", E=12, F=3, G=2014, H="x", I="KINH", N="Tổ dân phố 1", O="1", R="6", S="6A",
            U="THCS Lê Chân", W="TH", Y="2024-2025", AV="Con", AW="Nguyễn Văn Nam"),
    7: dict(C="Nguyễn Văn", D="Tú", G=2013, I="KINH", N="Tổ dân phố 1", O="1", R="6", S="6B!", U="THCS Lê Chân",
            AV="Con", AY="Hay nghỉ học"),
    # household 2 (Tổ dân phố 2): a Tày mother and her 5-year-old at preschool
    9: dict(C="Hoàng Thị", D="Lan", G=1990, H="x", I="TAY", N="Số 3, Tổ dân phố 2", O="2", P="Tạm trú", Q="Đang ở",
        AV="Chủ hộ"),
    10: dict(C="Hoàng Văn", D="Bảo", G=2020, I="TAY", N="Số 3, Tổ dân phố 2", O="2", R="5 tuổi", U="MN Hoa Sen", AV="Con"),
    # household 3: a disabled 16-year-old who dropped out of grade 8; a grandmother who moved in
    11: dict(C="Lê Văn", D="Cường", G=1970, I="KINH", N="Tổ dân phố 2", O="3", AV="Chủ hộ"),
    12: dict(C="Lê Văn", D="Dũng", G=2009, I="KINH", N="Tổ dân phố 2", O="3", AC=7, AE=8, AF="2023-2024", AJ="x",
             AS="x", AV="Con"),
    13: dict(C="Phạm Thị", D="Gái", G=1950, H="x", I="KINH", N="Tổ dân phố 2", O="3", AT="Chuyển đến", AV="Mẹ"),
}  # fmt: skip
BAD = {
    8: (dict(C="Nguyễn Văn", D="Không Năm", I="KINH", N="Tổ dân phố 1", O="1", AV="Con"), "G"),  # no birth year
    14: (dict(C="Lê Thị", D="Lạ", G=2001, I="XYZ", N="Tổ dân phố 2", O="3", AV="Con"), "I"),  # unknown ethnicity
    15: (dict(C="Vô", D="Danh", G=2001, I="KINH", N="Tổ dân phố 2", AV="Chủ hộ"), "O"),  # no household number
    16: (dict(C="Lê Văn", D="Lớp", G=2010, I="KINH", N="Tổ dân phố 2", O="3", R="13", AV="Con"), "R"),  # bad grade
    17: (dict(C="Lê Văn", D="Sao", G=2010, I="KINH", N="Tổ dân phố 2", O="3", AT="đi chơi", AV="Con"), "AT"),
    # household 4: a village the commune does not have
    18: (dict(C="Trịnh Văn", D="Xa", G=1980, I="KINH", N="Thôn Không Có", O="4", AV="Chủ hộ"), "N"),
    # household 5: two heads — the write path refuses the household, both rows are reported
    19: (dict(C="Mai Văn", D="Một", G=1980, I="KINH", N="Tổ dân phố 1", O="5", AV="Chủ hộ"), "AV"),
    20: (dict(C="Mai Văn", D="Hai", G=1982, I="KINH", N="Tổ dân phố 1", O="5", AV="Chủ hộ"), "AV"),
    # a milestone after the round: the write path's error lands on the row and its column
    21: (dict(C="Nguyễn Văn", D="Sớm", G=2012, I="KINH", N="Tổ dân phố 1", O="6", W="TH", Y="2030-2031", AV="Chủ hộ"), "Y"),
}  # fmt: skip


def moet_file(path, *, year="Năm điều tra: 2025", good=GOOD, bad=BAD):
    book = Workbook()
    sheet = book.active
    sheet.title = "MauNhapLieu"
    sheet["A1"] = "MẪU NHẬP LIỆU"
    sheet["A2"] = year
    rows = {**{n: c for n, c in good.items()}, **{n: c for n, (c, _col) in bad.items()}}
    for number in sorted(rows):
        for col, value in enumerate(moet_row(**rows[number]), start=1):
            if value is not None:
                sheet.cell(row=number, column=col, value=value)
    book.save(path)
    return path


@pytest.fixture
def moet(tmp_path):
    return moet_file(tmp_path / "MauNhapLieu.xlsx")


def _counts():
    return Household.objects.count(), Resident.objects.count(), Change.objects.count()


def test_every_bad_row_reported_every_good_row_imported(city, moet):
    result = import_file(moet, commune=city.commune_a, round_year=ROUND)
    summary = result.summary()
    assert summary["rows_read"] == len(GOOD) + len(BAD)
    reported = {}
    for error in summary["errors"]:
        reported.setdefault(error["row"], set()).add(error["column"])
        assert error["message"]
    assert set(reported) == set(BAD)
    for number, (_cells, column) in BAD.items():
        assert column in reported[number], (number, reported[number])
    assert summary["rows_rejected"] == len(BAD)
    assert summary["households_created"] == 3 and summary["people_created"] == len(GOOD)
    assert summary["repeating"] == 1
    people = {r.full_name: r for r in Resident.objects.filter(commune=city.commune_a)}
    assert set(people) == {clean(c) for c in GOOD.values()}
    huong = people["Nguyễn Thị Hương"]
    assert (huong.sex, huong.birth_day, huong.birth_month, huong.birth_year) == (
        "female",
        12,
        3,
        2014,
    )
    assert huong.primary_completed_year == 2025 and huong.highest_grade_completed >= 5
    assert huong.guardian_name == "Nguyễn Văn Nam"
    enrollment = Enrollment.objects.get(resident=huong, round_id=ROUND)
    assert (enrollment.level, enrollment.grade, enrollment.school) == (
        "lower_secondary",
        6,
        "THCS Lê Chân",
    )
    bao = people["Hoàng Văn Bảo"]
    assert bao.ethnicity == "02"
    assert Enrollment.objects.get(resident=bao).level == "preschool"
    dung = people["Lê Văn Dũng"]
    assert (dung.dropped_out_grade, dung.dropped_out_year, dung.disability) == (
        8,
        2023,
        "can_study",
    )
    assert (
        people["Phạm Thị Gái"].status == "moved_in" and people["Phạm Thị Gái"].status_year == ROUND
    )
    one = Household.objects.get(commune=city.commune_a, number="1")
    assert (
        one.village == city.village_a1
        and one.phone == "0912345678"
        and one.residence == "permanent"
    )
    assert (
        "Nguyễn Văn Tú" in one.note and "Hay nghỉ học" in one.note
    )  # repeating and the row's note
    two = Household.objects.get(commune=city.commune_a, number="2")
    assert (
        two.village == city.village_a2
        and two.residence == "temporary"
        and two.address == "Số 3, Tổ dân phố 2"
    )
    assert not Household.objects.filter(number__in=["4", "5", "6"]).exists()
    assert set(Change.objects.values_list("source", flat=True)) == {"import:MauNhapLieu.xlsx"}
    assert AuditEvent.objects.filter(action="import.run", count=len(GOOD) + len(BAD)).exists()


def clean(cells):
    return f"{cells['C']} {cells['D']}"


def test_reimport_creates_nothing_and_changes_nothing(city, moet):
    import_file(moet, commune=city.commune_a, round_year=ROUND)
    before = _counts()
    again = import_file(moet, commune=city.commune_a, round_year=ROUND).summary()
    assert _counts() == before
    assert again["households_created"] == again["households_updated"] == 0
    assert again["people_created"] == again["people_updated"] == 0
    assert again["households_unchanged"] == 3 and again["rows_rejected"] == len(BAD)


def test_reimport_matches_existing_people_and_updates_only_what_changed(city, tmp_path):
    household_upsert(
        data={"village": city.village_a1.code, "number": "1", "members": [
            {"full_name": "NGUYEN VAN NAM", "sex": "male", "birth_year": 1985, "ethnicity": "01", "relation": "head",
             "national_id": "001085012345"},
            {"full_name": "Nguyễn Thị Hương", "sex": "female", "birth_year": 2014, "ethnicity": "01",
             "relation": "child", "preschool_completed_year": 2019}]},
        round_year=ROUND,
    )  # fmt: skip
    nam_id = Resident.objects.get(full_name="NGUYEN VAN NAM").pk
    path = moet_file(tmp_path / "m.xlsx", good={n: GOOD[n] for n in (5, 6)}, bad={})
    summary = import_file(path, commune=city.commune_a, round_year=ROUND).summary()
    assert summary["households_created"] == 0 and summary["households_updated"] == 1
    # Nam gets his name with its marks, Hương her schooling; nobody new
    assert summary["people_created"] == 0 and summary["people_updated"] == 2
    assert Resident.objects.filter(commune=city.commune_a).count() == 2
    nam = Resident.objects.get(pk=nam_id)
    assert (
        nam.full_name == "Nguyễn Văn Nam" and nam.national_id == "001085012345"
    )  # an empty cell erases nothing
    huong = Resident.objects.get(full_name="Nguyễn Thị Hương")
    assert huong.preschool_completed_year == 2019 and huong.primary_completed_year == 2025


def test_dry_run_writes_nothing(city, moet):
    before = _counts()
    summary = import_file(moet, commune=city.commune_a, round_year=ROUND, dry_run=True).summary()
    assert _counts() == before
    assert (
        summary["dry_run"]
        and summary["households_created"] == 3
        and summary["people_created"] == len(GOOD)
    )
    assert summary["rows_rejected"] == len(BAD)
    assert AuditEvent.objects.filter(action="import.dry_run").exists()


def test_errors_workbook_has_the_rows_and_reasons(city, moet, tmp_path):
    result = import_file(moet, commune=city.commune_a, round_year=ROUND, dry_run=True)
    out = tmp_path / "errors.xlsx"
    write_errors_workbook(result, out)
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("Dòng", "Cột", "Lý do")
    by_row = {r[0]: r for r in rows[1:]}
    assert set(by_row) == set(BAD)
    assert "XYZ" in by_row[14][2] and by_row[14][3 + column_index_from_string("I") - 1] == "XYZ"
    assert by_row[18][3 + column_index_from_string("N") - 1] == "Thôn Không Có"


def test_wrong_year_or_unreadable_file_is_refused(city, tmp_path):
    with pytest.raises(ImportRefused):
        import_file(
            moet_file(tmp_path / "old.xlsx", year="Năm 2024"),
            commune=city.commune_a,
            round_year=ROUND,
        )
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a workbook")
    with pytest.raises(ImportRefused):
        import_file(junk, commune=city.commune_a, round_year=ROUND)


def test_signed_off_commune_needs_a_reason(city, moet):
    officer = make_user("cb", "commune_officer", city.commune_a)
    Round.objects.get_or_create(year=ROUND)
    sign_off(user=officer, commune=city.commune_a, round_year=ROUND)
    dry = import_file(moet, commune=city.commune_a, round_year=ROUND, dry_run=True).summary()
    assert dry["reason_required"] and dry["households_created"] == 3
    with pytest.raises(ImportRefused) as refused:
        import_file(moet, commune=city.commune_a, round_year=ROUND)
    assert "reason" in refused.value.errors
    import_file(
        moet, commune=city.commune_a, round_year=ROUND, reason="Nhập bổ sung dữ liệu năm cũ"
    )
    assert set(Change.objects.values_list("reason", flat=True)) == {"Nhập bổ sung dữ liệu năm cũ"}


def own_file(path, rows):
    write_template(path)
    book = load_workbook(path)
    sheet = book[OWN_SHEET]
    for i, values in enumerate(rows, start=3):
        for key, value in values.items():
            sheet.cell(row=i, column=OWN_KEYS.index(key) + 1, value=value)
    book.save(path)
    return path


def test_own_template_round_trip(city, tmp_path):
    template = tmp_path / "template.xlsx"
    write_template(template)
    book = load_workbook(template)
    assert book.sheetnames[0] == OWN_SHEET and len(book.sheetnames) == 2
    header = [c.value for c in book[OWN_SHEET][1]]
    assert "Họ và tên" in header and "Số phiếu" in header
    assert [c.value for c in book[OWN_SHEET][2]] == list(OWN_KEYS)
    rows = [
        {"village": city.village_a1.code, "number": "T01-001", "address": "Số 5", "phone": "0987654321",
         "visit_date": "2025-09-14", "full_name": "Đinh Văn Hùng", "sex": "Nam", "birth_year": 1980,
         "ethnicity": "01", "relation": "head", "national_id": "001080000001"},
        {"village": city.village_a1.code, "number": "T01-001", "full_name": "Đinh Thị Mai", "sex": "female",
         "birth_year": 2012, "birth_month": 7, "birth_day": 1, "ethnicity": "Mường", "relation": "Con",
         "primary_completed_year": 2023, "highest_grade_completed": 7, "enrollment_level": "lower_secondary",
         "enrollment_grade": 8, "enrollment_school": "THCS A"},
        {"village": city.village_a1.code, "number": "T01-002", "full_name": "Sai Năm", "sex": "male",
         "birth_year": "năm ngoái", "ethnicity": "01", "relation": "head"},
    ]  # fmt: skip
    path = own_file(tmp_path / "own.xlsx", rows)
    summary = import_file(path, commune=city.commune_a, round_year=ROUND).summary()
    assert (
        summary["format"] == "own"
        and summary["households_created"] == 1
        and summary["people_created"] == 2
    )
    assert summary["errors"] == [
        {"row": 5, "column": "birth_year", "message": "Phải là số nguyên."}
    ]
    mai = Resident.objects.get(full_name="Đinh Thị Mai")
    assert (mai.ethnicity, mai.relation, mai.birth_day, mai.primary_completed_year) == (
        "06",
        "child",
        1,
        2023,
    )
    assert Enrollment.objects.get(resident=mai).grade == 8
    household = Household.objects.get(number="T01-001")
    assert (
        household.visits.get().date.isoformat() == "2025-09-14" and household.phone == "0987654321"
    )
    before = _counts()
    again = import_file(path, commune=city.commune_a, round_year=ROUND).summary()
    assert _counts() == before and again["people_created"] == again["people_updated"] == 0
    assert again["households_unchanged"] == 1


def test_command_prints_the_summary(city, moet):
    Round.objects.get_or_create(year=ROUND)
    out = StringIO()
    call_command("import_survey", str(moet), "--commune", city.commune_a.code, "--round", str(ROUND), "--dry-run",
                 stdout=out)  # fmt: skip
    summary = json.loads(out.getvalue())
    for key in ("rows_read", "households_created", "households_updated", "people_created", "people_updated",
                "rows_rejected", "errors"):  # fmt: skip
        assert key in summary
    assert summary["rows_rejected"] == len(BAD) and summary["households_created"] == 3
    assert {"row", "column", "message"} <= set(summary["errors"][0])
    assert not Household.objects.exists()
    out = StringIO()
    call_command(
        "import_survey",
        str(moet),
        "--commune",
        city.commune_a.code,
        "--round",
        str(ROUND),
        stdout=out,
    )
    assert json.loads(out.getvalue())["households_created"] == 3 and Household.objects.count() == 3


def test_command_refuses_unknown_commune_and_missing_file(city, moet, tmp_path):
    Round.objects.get_or_create(year=ROUND)
    with pytest.raises(CommandError, match="commune"):
        call_command("import_survey", str(moet), "--commune", "99999", "--round", str(ROUND))
    with pytest.raises(CommandError):
        call_command(
            "import_survey",
            str(tmp_path / "none.xlsx"),
            "--commune",
            city.commune_a.code,
            "--round",
            str(ROUND),
        )
