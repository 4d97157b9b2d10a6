"""The official forms (DOMAIN.md §8) as declarations: a column spec and a row source each.

A form is a :class:`Form`: code, title, the row source (``units``: one row per
village/commune/district and the area's total; ``ages``: one row per single age
of the area with subtotals; ``bands``: one row per literacy band) and its
columns. A column is a header path (merged in the workbook) and a function of a
:class:`reports.data.Row`. A percentage column holds ``numerator × 100 /
denominator`` (unrounded, shown "0.00"), empty when the denominator is 0.

The forms are Vietnamese official documents: their texts are Vietnamese by law
and are not translated (docs/reports.md, decision 3).
"""

from collections.abc import Callable
from dataclasses import dataclass

from reports.data import Row


@dataclass(frozen=True)
class Col:
    header: tuple[str, ...]
    value: Callable[[Row], object]
    kind: str = "int"  # int | pct | text
    width: float = 9


@dataclass(frozen=True)
class Form:
    code: str
    title: str
    rows: str  # units | ages | bands
    columns: tuple[Col, ...]
    ages: tuple[int, int] | None = None
    subtotals: tuple[tuple[int, int], ...] = ()
    extras: bool = False  # needs the extra counts (grades, dropped out, accessing education)
    village_rows: bool = True  # False: a commune is one row (villages have no standards)


def pct(numerator: int, denominator: int) -> float | None:
    return numerator * 100 / denominator if denominator else None


def _ind_n(key: str) -> Callable[[Row], int]:
    return lambda r: r.indicators[key]["numerator"]


def _ind_d(key: str) -> Callable[[Row], int]:
    return lambda r: r.indicators[key]["denominator"]


def _ind_rate(key: str) -> Callable[[Row], float | None]:
    return lambda r: r.indicators[key]["rate"]


def indicator_cols(
    group: str, key: str, *, ppc_label: str = "Số phải PC", n_label: str = "Số lượng"
) -> list[Col]:
    return [
        Col((group, ppc_label), _ind_d(key)),
        Col((group, n_label), _ind_n(key)),
        Col((group, "Tỷ lệ %"), _ind_rate(key), "pct"),
    ]


def breakdowns(group: str, column: str = "total", ages=None, *, ppc: bool = False) -> list[Col]:
    """Total, female, minority, female minority (DOMAIN.md §5)."""
    return [
        Col((group, "Tổng số"), lambda r: r.n(column, ages, ppc=ppc)),
        Col((group, "Nữ"), lambda r: r.n(column, ages, female=True, ppc=ppc)),
        Col((group, "Dân tộc"), lambda r: r.n(column, ages, minority=True, ppc=ppc)),
        Col(
            (group, "Nữ dân tộc"), lambda r: r.n(column, ages, female=True, minority=True, ppc=ppc)
        ),
    ]


def illiterate_cols(group: str, column: str, ages=None) -> list[Col]:
    """Illiterate (MC1/MC2: the PPC minus the literate) × 4 breakdowns, with the share of the PPC."""

    def mc(r: Row, **flt) -> int:
        return r.n("total", ages, ppc=True, **flt) - r.n(column, ages, ppc=True, **flt)

    return [
        Col((group, "Tổng số"), lambda r: mc(r)),
        Col((group, "Nữ"), lambda r: mc(r, female=True)),
        Col((group, "Dân tộc"), lambda r: mc(r, minority=True)),
        Col((group, "Nữ dân tộc"), lambda r: mc(r, female=True, minority=True)),
        Col((group, "Tỷ lệ %"), lambda r: pct(mc(r), r.n("total", ages, ppc=True)), "pct"),
    ]


def _level(programme: str) -> Callable[[Row], object]:
    return lambda r: r.level(programme)


def _mn5_met(r: Row) -> str | None:
    level = r.level("mn5")
    return None if level is None else ("Đạt" if level >= 1 else "Chưa đạt")


UNIT = Col(("Đơn vị",), lambda r: r.label, "text", 24)
AGE = Col(("Tuổi",), lambda r: r.label, "text", 8)
BIRTH_YEAR = Col(("Năm sinh",), lambda r: r.birth_year, "int", 8)
BAND = Col(("Độ tuổi",), lambda r: r.label, "text", 10)


def _accessing(r: Row) -> int:
    return r.n("enrolled", (6, 14), disability="can_study")


FORMS: dict[str, Form] = {}


def _register(form: Form) -> None:
    FORMS[form.code] = form


_register(
    Form(
        code="MN-5",
        rows="units",
        title="THỐNG KÊ TRẺ EM TỪ 0 ĐẾN 6 TUỔI VÀ PHỔ CẬP GIÁO DỤC MẦM NON CHO TRẺ EM 5 TUỔI",
        columns=(
            UNIT,
            *[
                Col(("Số trẻ theo độ tuổi", f"{age} tuổi"), lambda r, a=age: r.n("total", (a, a)))
                for age in range(0, 5)
            ],
            Col(("Trẻ 5 tuổi", "Tổng số"), lambda r: r.n("total", (5, 5))),
            Col(("Trẻ 5 tuổi", "Nữ"), lambda r: r.n("total", (5, 5), female=True)),
            Col(("Trẻ 5 tuổi", "Dân tộc"), lambda r: r.n("total", (5, 5), minority=True)),
            Col(
                ("Trẻ 5 tuổi", "Khuyết tật"),
                lambda r: r.n("total", (5, 5), disability=("can_study", "cannot_study")),
            ),
            *indicator_cols("Trẻ 5 tuổi ra lớp", "mn5_attending"),
            Col(("Trẻ 6 tuổi", "Tổng số"), lambda r: r.n("total", (6, 6))),
            *indicator_cols("Trẻ 6 tuổi hoàn thành CT GDMN", "mn5_completed"),
        ),
    )
)

_register(
    Form(
        code="TH-02",
        rows="units",
        extras=True,
        title="PHỔ CẬP GIÁO DỤC TIỂU HỌC",
        columns=(
            UNIT,
            *indicator_cols("Trẻ 6 tuổi vào lớp 1", "th_grade1_at6"),
            *indicator_cols("Trẻ 11 tuổi hoàn thành CT tiểu học", "th_completed_at11"),
            *indicator_cols("Trẻ 11–14 tuổi hoàn thành CT tiểu học", "th_completed_11_14"),
            Col(
                ("Trẻ khuyết tật 6–14 tuổi", "Tổng số"),
                lambda r: r.n("total", (6, 14), disability=("can_study", "cannot_study")),
            ),
            Col(
                ("Trẻ khuyết tật 6–14 tuổi", "Có khả năng học tập"),
                lambda r: r.n("total", (6, 14), disability="can_study"),
            ),
            Col(("Trẻ khuyết tật 6–14 tuổi", "Được tiếp cận giáo dục"), _accessing),
            Col(
                ("Trẻ khuyết tật 6–14 tuổi", "Tỷ lệ %"),
                lambda r: pct(_accessing(r), r.n("total", (6, 14), disability="can_study")),
                "pct",
            ),
        ),
    )
)

_register(
    Form(
        code="THCS-M1",
        rows="ages",
        ages=(11, 18),
        subtotals=((11, 14), (15, 18)),
        extras=True,
        title="THỐNG KÊ TRẺ EM, THANH THIẾU NIÊN TỪ 11 ĐẾN 18 TUỔI (PHỔ CẬP GIÁO DỤC THCS)",
        columns=(
            AGE,
            BIRTH_YEAR,
            Col(("Dân số", "Tổng số"), lambda r: r.n("total")),
            Col(("Dân số", "Nữ"), lambda r: r.n("total", female=True)),
            Col(("Dân số", "Dân tộc"), lambda r: r.n("total", minority=True)),
            Col(
                ("Dân số", "Khuyết tật"),
                lambda r: r.n("total", disability=("can_study", "cannot_study")),
            ),
            Col(("Số phải phổ cập",), lambda r: r.n("total", ppc=True)),
            *[
                Col(("Đang học THCS", f"Lớp {g}"), lambda r, g=g: r.n(f"grade{g}", ppc=True))
                for g in (6, 7, 8, 9)
            ],
            Col(
                ("Tốt nghiệp THCS", "Số lượng"),
                lambda r: r.n("lower_secondary_graduated", ppc=True),
            ),
            Col(
                ("Tốt nghiệp THCS", "Tỷ lệ %"),
                lambda r: pct(r.n("lower_secondary_graduated", ppc=True), r.n("total", ppc=True)),
                "pct",
            ),
            Col(("Học THPT, GDTX, nghề", "Số lượng"), lambda r: r.n("upper_track", ppc=True)),
            Col(
                ("Học THPT, GDTX, nghề", "Tỷ lệ %"),
                lambda r: pct(r.n("upper_track", ppc=True), r.n("total", ppc=True)),
                "pct",
            ),
            Col(("Bỏ học",), lambda r: r.n("dropped_out", ppc=True)),
        ),
    )
)

_register(
    Form(
        code="THCS-TK",
        rows="units",
        title="TỔNG HỢP PHỔ CẬP GIÁO DỤC TRUNG HỌC CƠ SỞ",
        columns=(
            UNIT,
            Col(("Dân số 11–18 tuổi", "Tổng số"), lambda r: r.n("total", (11, 18))),
            Col(("Dân số 11–18 tuổi", "Số phải PC"), lambda r: r.n("total", (11, 18), ppc=True)),
            *indicator_cols("15–18 tuổi tốt nghiệp THCS", "thcs_graduated_15_18"),
            Col(("15–18 tuổi học THPT, GDTX, nghề", "Số lượng"), _ind_n("thcs_upper_track_15_18")),
            Col(
                ("15–18 tuổi học THPT, GDTX, nghề", "Tỷ lệ %"),
                _ind_rate("thcs_upper_track_15_18"),
                "pct",
            ),
        ),
    )
)

_LIT_COLUMNS = (
    *breakdowns("Số phải phổ cập", ppc=True),
    *illiterate_cols("Mù chữ mức độ 1", "literate1"),
    *illiterate_cols("Mù chữ mức độ 2", "literate2"),
)

_register(
    Form(
        code="CMC-1",
        rows="bands",
        ages=(15, 60),
        title="THỐNG KÊ NGƯỜI MÙ CHỮ THEO ĐỘ TUỔI",
        columns=(BAND, *_LIT_COLUMNS),
    )
)

_register(
    Form(
        code="XMC-3",
        rows="ages",
        ages=(15, 60),
        subtotals=((15, 25), (15, 35), (15, 60)),
        title="THỐNG KÊ NGƯỜI MÙ CHỮ THEO TỪNG ĐỘ TUỔI TỪ 15 ĐẾN 60",
        columns=(AGE, BIRTH_YEAR, *_LIT_COLUMNS),
    )
)

_register(
    Form(
        code="XMC-4",
        rows="units",
        title="TỔNG HỢP KẾT QUẢ XÓA MÙ CHỮ",
        columns=(
            UNIT,
            *indicator_cols("15–25 tuổi biết chữ mức độ 1", "lit1_15_25", n_label="Biết chữ"),
            *indicator_cols("15–35 tuổi biết chữ mức độ 1", "lit1_15_35", n_label="Biết chữ"),
            *indicator_cols("15–35 tuổi biết chữ mức độ 2", "lit2_15_35", n_label="Biết chữ"),
            *indicator_cols("15–60 tuổi biết chữ mức độ 2", "lit2_15_60", n_label="Biết chữ"),
            Col(("Mức độ đạt chuẩn XMC",), _level("literacy"), "int", 10),
        ),
    )
)

_register(
    Form(
        code="STANDARDS",
        rows="units",
        village_rows=False,
        title="TỔNG HỢP KẾT QUẢ PHỔ CẬP GIÁO DỤC, XÓA MÙ CHỮ",
        columns=(
            UNIT,
            Col(("PCGD mầm non 5 tuổi", "Trẻ 5 tuổi ra lớp %"), _ind_rate("mn5_attending"), "pct"),
            Col(("PCGD mầm non 5 tuổi", "Hoàn thành CT GDMN %"), _ind_rate("mn5_completed"), "pct"),
            Col(("PCGD mầm non 5 tuổi", "Kết quả"), _mn5_met, "text", 10),
            Col(("PCGD tiểu học", "6 tuổi vào lớp 1 %"), _ind_rate("th_grade1_at6"), "pct"),
            Col(("PCGD tiểu học", "11 tuổi HTCT TH %"), _ind_rate("th_completed_at11"), "pct"),
            Col(("PCGD tiểu học", "11–14 tuổi HTCT TH %"), _ind_rate("th_completed_11_14"), "pct"),
            Col(("PCGD tiểu học", "Mức độ"), _level("primary")),
            Col(("PCGD THCS", "15–18 tuổi TN THCS %"), _ind_rate("thcs_graduated_15_18"), "pct"),
            Col(
                ("PCGD THCS", "15–18 tuổi học THPT, GDTX, nghề %"),
                _ind_rate("thcs_upper_track_15_18"),
                "pct",
            ),
            Col(("PCGD THCS", "Mức độ"), _level("lower_secondary")),
            Col(("Xóa mù chữ", "15–35 tuổi biết chữ mức 1 %"), _ind_rate("lit1_15_35"), "pct"),
            Col(("Xóa mù chữ", "15–60 tuổi biết chữ mức 2 %"), _ind_rate("lit2_15_60"), "pct"),
            Col(("Xóa mù chữ", "Mức độ"), _level("literacy")),
        ),
    )
)

FORM_CODES = tuple(FORMS)
BANDS = ((15, 25), (15, 35), (15, 60))
