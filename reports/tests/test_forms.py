"""Every form for a hand-built commune, district and city, read back with openpyxl.

The decisive cells are compared with the indicators' own figures (the API's
selector), never with numbers written here.
"""

import io
import zipfile

import pytest

from indicators import selectors as ind
from reports.forms import FORMS
from reports.tests.sheet import Sheet
from reports.workbook import SIGN_COMMUNE, SIGN_LEFT, SIGN_RIGHT, form_workbook, write_forms_zip
from tests.factories import ROUND

AREAS = ("commune_a", "district", "city")


def make(code, area, rules) -> Sheet:
    wb, _data = form_workbook(form_code=code, area=area, round_year=ROUND, rules=rules)
    buffer = io.BytesIO()
    wb.save(buffer)
    return Sheet(buffer.getvalue())


def figures(area, rules) -> dict:
    return ind.figures_get(area=area, round_year=ROUND, rules=rules)


def total_label(sheet: Sheet) -> str:
    return sheet.order[-1]


@pytest.mark.parametrize("where", AREAS)
@pytest.mark.parametrize("code", list(FORMS))
def test_layout_and_print_setup(populated, rules, code, where):
    area = getattr(populated, where)
    sheet = make(code, area, rules)
    ws = sheet.ws
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert ws.print_title_rows == f"${sheet.header_top}:${sheet.number_row}"
    assert [ws.cell(sheet.number_row, c).value for c in range(1, sheet.width + 1)] == list(
        range(1, sheet.width + 1)
    )
    assert ws.merged_cells.ranges, "the headers are merged"
    fonts = {cell.font.name for row in ws.iter_rows() for cell in row if cell.value is not None}
    assert fonts == {"Times New Roman"}
    text = sheet.text()
    assert f"Biểu {code}" in text and f"Năm học {ROUND}-{ROUND + 1}" in text and area.name in text
    assert FORMS[code].title in text
    assert SIGN_LEFT in text and SIGN_RIGHT in text
    assert (SIGN_COMMUNE in text) == (area.kind == "commune")
    assert "ngày " in text and " tháng " in text and " năm " in text
    stored = figures(area, rules)
    assert f"Bộ quy tắc: {rules.name} (phiên bản {rules.version})" in text
    for i, col in enumerate(FORMS[code].columns):
        if col.kind == "pct":
            for label in sheet.order:
                cell = ws.cell(sheet.number_row + 1 + sheet.order.index(label), i + 1)
                assert cell.number_format == "0.00"
                assert cell.value is None or isinstance(cell.value, float | int)
    assert stored["computed_at"]


def _int_columns(code, sheet):
    return [
        i
        for i, col in enumerate(FORMS[code].columns)
        if col.kind == "int"
        and col.header != ("Năm sinh",)
        and not col.header[0].startswith("Mức độ")
        and col.header[-1] != "Mức độ"
    ]


@pytest.mark.parametrize("where", AREAS)
@pytest.mark.parametrize(
    "code", [c for c, f in FORMS.items() if f.rows == "units" and f.village_rows]
)
def test_unit_totals_add_up(populated, rules, code, where):
    sheet = make(code, getattr(populated, where), rules)
    units = sheet.order[:-1]
    assert len(units) >= 1
    total = sheet.rows[total_label(sheet)]
    for i in _int_columns(code, sheet):
        assert total[i] == sum(sheet.rows[u][i] for u in units), sheet.headers[i]
        assert isinstance(total[i], int)


@pytest.mark.parametrize("where", AREAS)
@pytest.mark.parametrize("code", [c for c, f in FORMS.items() if f.rows == "ages"])
def test_age_subtotals_add_up(populated, rules, code, where):
    sheet = make(code, getattr(populated, where), rules)
    for first, last in FORMS[code].subtotals:
        sub = sheet.rows[f"Cộng {first}–{last}"]
        for i in _int_columns(code, sheet):
            assert sub[i] == sum(sheet.rows[str(a)][i] for a in range(first, last + 1)), (
                sheet.headers[i]
            )
    birth = sheet.col("Năm sinh")
    first_age = FORMS[code].ages[0]
    assert sheet.rows[str(first_age)][birth] == ROUND - first_age


def check_indicator(sheet, label, group, value, *, ppc="Số phải PC", n="Số lượng"):
    assert sheet.value(label, group, ppc) == value["denominator"]
    assert sheet.value(label, group, n) == value["numerator"]
    rate = sheet.value(label, group, "Tỷ lệ %")
    assert (rate is None and value["rate"] is None) or rate == pytest.approx(value["rate"])


@pytest.mark.parametrize("where", AREAS)
def test_mn5_th02_thcs_tk_match_the_indicators(populated, rules, where):
    area = getattr(populated, where)
    figs = figures(area, rules)
    values = figs["indicators"]
    mn5 = make("MN-5", area, rules)
    total = total_label(mn5)
    check_indicator(mn5, total, "Trẻ 5 tuổi ra lớp", values["mn5_attending"])
    check_indicator(mn5, total, "Trẻ 6 tuổi hoàn thành CT GDMN", values["mn5_completed"])
    assert mn5.value(total, "Trẻ 5 tuổi", "Tổng số") == figs["cohorts"]["5"]["total"]
    assert mn5.value(total, "Trẻ 5 tuổi", "Nữ") == figs["cohorts"]["5"]["female"]
    assert mn5.value(total, "Trẻ 5 tuổi", "Dân tộc") == figs["cohorts"]["5"]["minority"]
    assert mn5.value(total, "Trẻ 5 tuổi", "Khuyết tật") == figs["cohorts"]["5"]["disabled"]
    assert mn5.value(total, "Số trẻ theo độ tuổi", "0 tuổi") == figs["cohorts"]["0"]["total"]

    th = make("TH-02", area, rules)
    total = total_label(th)
    check_indicator(th, total, "Trẻ 6 tuổi vào lớp 1", values["th_grade1_at6"])
    check_indicator(th, total, "Trẻ 11 tuổi hoàn thành CT tiểu học", values["th_completed_at11"])
    check_indicator(
        th, total, "Trẻ 11–14 tuổi hoàn thành CT tiểu học", values["th_completed_11_14"]
    )
    disabled = sum(figs["cohorts"][str(a)]["disabled"] for a in range(6, 15))
    assert th.value(total, "Trẻ khuyết tật 6–14 tuổi", "Tổng số") == disabled > 0

    tk = make("THCS-TK", area, rules)
    total = total_label(tk)
    check_indicator(tk, total, "15–18 tuổi tốt nghiệp THCS", values["thcs_graduated_15_18"])
    assert (
        tk.value(total, "15–18 tuổi học THPT, GDTX, nghề", "Số lượng")
        == values["thcs_upper_track_15_18"]["numerator"]
    )
    assert tk.value(total, "Dân số 11–18 tuổi", "Tổng số") == sum(
        figs["cohorts"][str(a)]["total"] for a in range(11, 19)
    )


def test_commune_village_rows_match_the_drilldown(populated, rules):
    """A village row's gap (PPC − numerator) is exactly the indicators' drill-down list of that village."""
    th = make("TH-02", populated.commune_a, rules)
    for village in (populated.village_a1, populated.village_a2):
        for group, key in (
            ("Trẻ 6 tuổi vào lớp 1", "th_grade1_at6"),
            ("Trẻ 11–14 tuổi hoàn thành CT tiểu học", "th_completed_11_14"),
        ):
            gap = th.value(village.name, group, "Số phải PC") - th.value(
                village.name, group, "Số lượng"
            )
            assert gap == len(
                ind.drilldown_ids(area=village, round_year=ROUND, rules=rules, key=key)
            )
    assert th.value(populated.village_a2.name, "Trẻ 6 tuổi vào lớp 1", "Số lượng") < th.value(
        populated.village_a2.name, "Trẻ 6 tuổi vào lớp 1", "Số phải PC"
    )
    # the disabled child of 9 who studies nowhere: can study, not accessing
    assert (
        th.value(populated.village_a2.name, "Trẻ khuyết tật 6–14 tuổi", "Có khả năng học tập") == 2
    )
    assert (
        th.value(populated.village_a2.name, "Trẻ khuyết tật 6–14 tuổi", "Được tiếp cận giáo dục")
        == 1
    )
    assert th.value(
        populated.village_a2.name, "Trẻ khuyết tật 6–14 tuổi", "Tỷ lệ %"
    ) == pytest.approx(50)


@pytest.mark.parametrize("where", AREAS)
def test_thcs_m1_blocks_match_the_indicators(populated, rules, where):
    area = getattr(populated, where)
    values = figures(area, rules)["indicators"]
    m1 = make("THCS-M1", area, rules)
    graduated = values["thcs_graduated_15_18"]
    assert m1.value("Cộng 15–18", "Số phải phổ cập") == graduated["denominator"]
    assert m1.value("Cộng 15–18", "Tốt nghiệp THCS", "Số lượng") == graduated["numerator"]
    assert m1.value("Cộng 15–18", "Tốt nghiệp THCS", "Tỷ lệ %") == pytest.approx(graduated["rate"])
    assert (
        m1.value("Cộng 15–18", "Học THPT, GDTX, nghề", "Số lượng")
        == values["thcs_upper_track_15_18"]["numerator"]
    )
    if where == "commune_a":  # two drop-outs aged 16 in village A2
        assert m1.value("16", "Bỏ học") == 2
        assert m1.value("12", "Đang học THCS", "Lớp 7") >= 1


@pytest.mark.parametrize("where", AREAS)
def test_literacy_forms_match_the_indicators(populated, rules, where):
    area = getattr(populated, where)
    values = figures(area, rules)["indicators"]
    gap = {
        k: values[k]["denominator"] - values[k]["numerator"]
        for k in ("lit1_15_25", "lit1_15_35", "lit2_15_35", "lit2_15_60")
    }
    cmc = make("CMC-1", area, rules)
    assert cmc.order == ["15–25", "15–35", "15–60"]
    assert cmc.value("15–25", "Số phải phổ cập", "Tổng số") == values["lit1_15_25"]["denominator"]
    assert cmc.value("15–25", "Mù chữ mức độ 1", "Tổng số") == gap["lit1_15_25"]
    assert cmc.value("15–35", "Mù chữ mức độ 1", "Tổng số") == gap["lit1_15_35"]
    assert cmc.value("15–35", "Mù chữ mức độ 2", "Tổng số") == gap["lit2_15_35"]
    assert cmc.value("15–60", "Mù chữ mức độ 2", "Tổng số") == gap["lit2_15_60"]
    assert cmc.value("15–35", "Mù chữ mức độ 1", "Tỷ lệ %") == pytest.approx(
        100 - values["lit1_15_35"]["rate"]
    )
    if where == "commune_a":
        assert (
            gap["lit1_15_35"] == 2 and gap["lit2_15_60"] >= 3
        )  # the two of 30 with grade 2; the one of 45

    xmc3 = make("XMC-3", area, rules)
    assert xmc3.value("Cộng 15–35", "Mù chữ mức độ 1", "Tổng số") == gap["lit1_15_35"]
    assert xmc3.value("Cộng 15–60", "Mù chữ mức độ 2", "Tổng số") == gap["lit2_15_60"]
    assert (
        xmc3.value("Cộng 15–25", "Số phải phổ cập", "Tổng số")
        == values["lit1_15_25"]["denominator"]
    )

    xmc4 = make("XMC-4", area, rules)
    total = total_label(xmc4)
    check_indicator(xmc4, total, "15–25 tuổi biết chữ mức độ 1", values["lit1_15_25"], n="Biết chữ")
    check_indicator(xmc4, total, "15–60 tuổi biết chữ mức độ 2", values["lit2_15_60"], n="Biết chữ")
    assert (
        xmc4.value(total, "Mức độ đạt chuẩn XMC")
        == figures(area, rules)["standards"]["literacy"]["level"]
    )


@pytest.mark.parametrize("where", AREAS)
def test_standards_rows_are_the_units_levels(populated, rules, where):
    area = getattr(populated, where)
    sheet = make("STANDARDS", area, rules)
    own = figures(area, rules)
    units = (
        [populated.commune_a]
        if where == "commune_a"
        else (
            [populated.commune_a]
            if where == "district"
            else [populated.district, populated.commune_b]
        )
    )
    labels = sheet.order if where == "commune_a" else sheet.order[:-1]
    assert labels == [u.name for u in units]
    rows = list(zip(labels, units, strict=True))
    if where != "commune_a":
        rows.append((total_label(sheet), area))
    for label, unit in rows:
        figs = figures(unit, rules) if unit != area else own
        st = figs["standards"]
        assert sheet.value(label, "PCGD tiểu học", "Mức độ") == st["primary"]["level"]
        assert sheet.value(label, "PCGD THCS", "Mức độ") == st["lower_secondary"]["level"]
        assert sheet.value(label, "Xóa mù chữ", "Mức độ") == st["literacy"]["level"]
        assert sheet.value(label, "PCGD mầm non 5 tuổi", "Kết quả") == (
            "Đạt" if st["mn5"]["met"] else "Chưa đạt"
        )
        assert sheet.value(label, "PCGD tiểu học", "6 tuổi vào lớp 1 %") == pytest.approx(
            figs["indicators"]["th_grade1_at6"]["rate"]
        )
        assert sheet.value(label, "Xóa mù chữ", "15–60 tuổi biết chữ mức 2 %") == pytest.approx(
            figs["indicators"]["lit2_15_60"]["rate"]
        )
    # commune B is complete, commune A is not: the form tells them apart
    if where == "city":
        assert sheet.value(populated.commune_b.name, "PCGD tiểu học", "Mức độ") > sheet.value(
            populated.district.name, "PCGD tiểu học", "Mức độ"
        )


def test_all_forms_zip(populated, rules, tmp_path):
    path = tmp_path / "all.zip"
    names = write_forms_zip(area=populated.district, round_year=ROUND, rules=rules, path=path)
    with zipfile.ZipFile(path) as zf:
        assert (
            sorted(zf.namelist())
            == sorted(names)
            == sorted(f"{c}_{populated.district.code}_{ROUND}.xlsx" for c in FORMS)
        )
        for name in names:
            sheet = Sheet(zf.read(name))
            assert sheet.ws.title == name.split("_")[0]
            assert sheet.order


def test_a_stale_commune_is_refreshed_before_the_form(populated, rules):
    """A change made through the services after the last count shows in the form."""
    from django.utils import timezone

    from indicators.tests.helpers import people
    from surveys.models import StaleCommune

    before = figures(populated.commune_a, rules)["indicators"]["mn5_attending"]
    people(populated.village_a2, 1, age=5, level="preschool", grade=5)
    StaleCommune.objects.get_or_create(
        commune=populated.commune_a, round_id=ROUND, defaults={"marked_at": timezone.now()}
    )
    sheet = make("MN-5", populated.commune_a, rules)
    total = total_label(sheet)
    assert sheet.value(total, "Trẻ 5 tuổi ra lớp", "Số lượng") == before["numerator"] + 1
