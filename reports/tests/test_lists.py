"""Person lists: same people as the indicators' drill-down, Vietnamese order, sheets, CSV, masking, audit."""

import csv

import pytest
from openpyxl import load_workbook

from audit.models import AuditEvent
from indicators.selectors import drilldown_ids
from reports.lists import LISTS, TITLE_ROWS, export_list, list_queryset
from surveys.models import Resident
from surveys.services import household_upsert
from surveys.text import vi_name_sort_key, vi_sort_key_text
from tests.factories import ROUND, make_user

pytestmark = pytest.mark.django_db

NAMES = [
    "Nguyễn Văn Bình", "Trần Thị An", "Lê Văn Ánh", "Phạm Thị Ân", "Đặng Văn Bảo", "Nguyễn Thị Ảnh",
    "Hoàng Đức Anh", "Vũ Thị Châu", "Bùi Văn Đức", "Đỗ Thị Dung", "Ngô Văn An", "Lý Thị Ấn",
]  # fmt: skip


def _sort_keys():
    """The indicator helpers create residents in bulk, without the sort key the writers store."""
    for resident in Resident.objects.all():
        Resident.objects.filter(pk=resident.pk).update(
            sort_key=vi_sort_key_text(resident.full_name)
        )


def _household(village, number, members, **extra):
    return household_upsert(
        data={"village": village.code, "number": number, "members": members, **extra},
        round_year=ROUND,
    ).household


def _member(name, *, year, relation="child", sex="male", **fields):
    return {
        "full_name": name,
        "sex": sex,
        "birth_year": year,
        "ethnicity": "01",
        "relation": relation,
        **fields,
    }


@pytest.fixture
def five_year_olds(city):
    """Twelve 5-year-olds not attending preschool (one household each, a head aged 40), one attending."""
    for i, name in enumerate(NAMES):
        _household(
            city.village_a1, f"H{i:02d}",
            [_member(f"Chủ Hộ Số {i}", year=ROUND - 40, relation="head"),
             _member(name, year=ROUND - 5, birth_month=3, birth_day=i + 1, national_id=f"0010990{i:05d}",
                     guardian_name="Nguyễn Văn Cha")],
        )  # fmt: skip
    _household(
        city.village_a2, "H99",
        [_member("Cao Văn Chủ", year=ROUND - 40, relation="head"),
         _member("Cao Thị Đi Học", year=ROUND - 5, sex="female",
                 enrollment={"round": ROUND, "level": "preschool", "grade": 5, "school": "MN Hoa Sen"})],
    )  # fmt: skip
    return city


def test_every_list_has_a_title_and_a_query(populated):
    _sort_keys()
    for code, spec in LISTS.items():
        assert str(spec.title)
        list(list_queryset(commune=populated.commune_a, round_year=ROUND, list_code=code)[:5])


@pytest.mark.parametrize("key", ["mn5_attending", "th_completed_11_14", "thcs_graduated_15_18", "lit2_15_60",
                                 "th_completed_at11", "lit2_15_35"])  # fmt: skip
def test_gap_list_is_the_indicators_drilldown(populated, rules, key):
    _sort_keys()
    expected = drilldown_ids(area=populated.commune_a, round_year=ROUND, rules=rules, key=key)
    found = list(
        list_queryset(
            commune=populated.commune_a, round_year=ROUND, list_code=f"gap_{key}"
        ).values_list("id", flat=True)
    )
    assert expected, key  # the fixture has people in every one of these gaps
    assert found == expected


def test_dossier_list_is_the_numerator(populated, rules):
    _sort_keys()
    done = set(
        list_queryset(
            commune=populated.commune_a, round_year=ROUND, list_code="completed_primary"
        ).values_list("id", flat=True)
    )
    gap = set(
        drilldown_ids(
            area=populated.commune_a, round_year=ROUND, rules=rules, key="th_completed_11_14"
        )
    )
    everyone = set(
        Resident.objects.filter(commune=populated.commune_a, birth_year__gte=ROUND - 14, birth_year__lte=ROUND - 11)
        .exclude(disability="cannot_study").values_list("id", flat=True)
    )  # fmt: skip
    assert done and done | gap == everyone and not done & gap


def test_xlsx_list_in_vietnamese_order_with_titles_and_masked_ids(five_year_olds, tmp_path):
    path = tmp_path / "list.xlsx"
    written = export_list(commune=five_year_olds.commune_a, round_year=ROUND, list_code="gap_mn5_attending",
                          fmt="xlsx", path=path)  # fmt: skip
    assert written == len(NAMES)
    book = load_workbook(path, read_only=True)
    assert len(book.sheetnames) == 1
    rows = list(book[book.sheetnames[0]].iter_rows(values_only=True))
    assert "Phường Lê Chân" in rows[0][0] and "2025–2026" in rows[1][0]
    assert rows[2][0] == str(LISTS["gap_mn5_attending"].title).upper()
    assert rows[TITLE_ROWS][:3] == ("STT", "Họ và tên", "Ngày sinh")
    data = rows[TITLE_ROWS + 1 :]
    names = [r[1] for r in data]
    assert names == sorted(NAMES, key=vi_name_sort_key)
    # given name first (letters a < â, then tones: Anh < Ảnh < Ánh), then the family name (Ngô < Trần)
    assert names[:7] == [
        "Ngô Văn An", "Trần Thị An", "Hoàng Đức Anh", "Nguyễn Thị Ảnh", "Lê Văn Ánh", "Phạm Thị Ân", "Lý Thị Ấn",
    ]  # fmt: skip
    assert [r[0] for r in data] == list(range(1, len(NAMES) + 1))
    first = data[0]
    assert first[2] == "11/03/2020"  # dd/mm/yyyy
    assert "Cao Thị Đi Học" not in names  # attending: not in the gap list
    id_column = rows[TITLE_ROWS].index("Số định danh")
    assert all(r[id_column].startswith("********") and len(r[id_column]) == 12 for r in data)
    event = AuditEvent.objects.get(action="person_list.read")
    assert event.count == len(NAMES) and event.target == "list:gap_mn5_attending"


def test_officer_sees_full_ids(five_year_olds, tmp_path):
    officer = make_user("cb", "commune_officer", five_year_olds.commune_a)
    path = tmp_path / "list.csv"
    export_list(commune=five_year_olds.commune_a, round_year=ROUND, list_code="gap_mn5_attending", fmt="csv",
                path=path, user=officer)  # fmt: skip
    rows = list(csv.reader(path.open(encoding="utf-8-sig")))
    column = rows[0].index("Số định danh")
    assert {r[column] for r in rows[1:]} == {f"0010990{i:05d}" for i in range(len(NAMES))}


def test_list_longer_than_a_sheet_splits(five_year_olds, tmp_path):
    path = tmp_path / "split.xlsx"
    written = export_list(commune=five_year_olds.commune_a, round_year=ROUND, list_code="gap_mn5_attending",
                          fmt="xlsx", path=path, rows_per_sheet=5)  # fmt: skip
    assert written == 12
    book = load_workbook(path, read_only=True)
    assert len(book.sheetnames) == 3
    sheets = [list(book[name].iter_rows(values_only=True)) for name in book.sheetnames]
    counts = [len(rows) - TITLE_ROWS - 1 for rows in sheets]
    assert counts == [5, 5, 2]
    numbers = [r[0] for rows in sheets for r in rows[TITLE_ROWS + 1 :]]
    assert numbers == list(range(1, 13))  # STT continues across sheets
    assert all(rows[TITLE_ROWS][1] == "Họ và tên" for rows in sheets)  # each sheet has the header


def test_csv_has_bom_and_vietnamese_text(five_year_olds, tmp_path):
    path = tmp_path / "list.csv"
    export_list(
        commune=five_year_olds.commune_a,
        round_year=ROUND,
        list_code="gap_mn5_attending",
        fmt="csv",
        path=path,
    )
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    content = raw.decode("utf-8-sig")
    assert "Họ và tên" in content and "Nguyễn Thị Ảnh" in content and "Tổ dân phố 1" in content
    rows = list(csv.reader(content.splitlines()))
    assert [r[1] for r in rows[1:]] == sorted(NAMES, key=vi_name_sort_key)


def test_empty_list_still_makes_a_workbook(city, tmp_path):
    path = tmp_path / "empty.xlsx"
    assert (
        export_list(
            commune=city.commune_b, round_year=ROUND, list_code="dropped_out", fmt="xlsx", path=path
        )
        == 0
    )
    rows = list(load_workbook(path, read_only=True).active.iter_rows(values_only=True))
    assert rows[TITLE_ROWS][1] == "Họ và tên" and len(rows) == TITLE_ROWS + 1


def test_progress_is_reported(five_year_olds, tmp_path):
    seen = []
    export_list(commune=five_year_olds.commune_a, round_year=ROUND, list_code="all_people", fmt="csv",
                path=tmp_path / "all.csv", progress=lambda done, total: seen.append((done, total)))  # fmt: skip
    assert seen[-1] == (26, 26)  # 13 heads and 13 children in commune A
