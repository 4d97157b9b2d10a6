"""Writes a form (``reports.forms``) to an openpyxl workbook laid out for A4 printing.

One layout for every form: title block (unit, form code, title, school year),
merged and numbered column headers, the rows as real numbers (percentages as
numbers formatted "0.00"), the totals, a footer line with the rule set and the
time the figures were computed, the date line and the signature block. A4
landscape, fit to width, header rows repeated on every page, Times New Roman.
"""

import io
import zipfile
from pathlib import Path

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from areas.models import AreaKind
from reports.data import FormData, Row, form_data
from reports.forms import BANDS, FORMS, Form

FONT = "Times New Roman"
THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
PCT_FORMAT = "0.00"
SIGN_LEFT = "NGƯỜI LẬP BIỂU"
SIGN_RIGHT = "TM. BAN CHỈ ĐẠO PCGD-XMC – TRƯỞNG BAN"
SIGN_COMMUNE = "XÁC NHẬN CỦA UBND"


def school_year(round_year: int) -> str:
    return f"Năm học {round_year}-{round_year + 1}"


def form_rows(form: Form, data: FormData) -> list[Row]:
    """The rows of a form in print order; the last one(s) are totals or subtotals."""
    if form.rows == "units":
        units = data.units if (form.village_rows or data.area.kind != AreaKind.COMMUNE) else []
        total = data.total
        total.label = f"Cộng {data.area.name}" if units else data.area.name
        return [*units, total]
    if form.rows == "bands":
        return [
            Row(
                label=f"{a}–{b}",
                cells=data.total.cells,
                rules=data.rules,
                ages=(a, b),
                is_total=False,
            )
            for a, b in BANDS
        ]
    rows = data.age_rows(*form.ages)
    for first, last in form.subtotals:
        rows.append(
            Row(
                label=f"Cộng {first}–{last}",
                cells=data.total.cells,
                rules=data.rules,
                ages=(first, last),
                is_total=True,
            )
        )
    return rows


def _font(bold: bool = False, size: int = 11, italic: bool = False) -> Font:
    return Font(name=FONT, bold=bold, size=size, italic=italic)


def _put(
    ws,
    row: int,
    col: int,
    value,
    *,
    bold=False,
    size=11,
    italic=False,
    align=None,
    border=False,
    fmt=None,
):
    cell = ws.cell(row=row, column=col, value=value)
    cell.font = _font(bold, size, italic)
    if align is not None:
        cell.alignment = align
    if border:
        cell.border = BOX
    if fmt:
        cell.number_format = fmt
    return cell


def _merge(ws, r1, c1, r2, c2, value, **style):
    _put(ws, r1, c1, value, **style)
    for r in range(r1, r2 + 1):
        for c in range(c1, c2 + 1):
            if (r, c) != (r1, c1):
                if style.get("border"):
                    ws.cell(row=r, column=c).border = BOX
                ws.cell(row=r, column=c).font = _font(
                    style.get("bold", False), style.get("size", 11)
                )
    if (r1, c1) != (r2, c2):
        ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)


def _headers(ws, form: Form, top: int) -> int:
    """Merged header rows from the column header paths, then the column numbers; returns the number row."""
    depth = max(len(c.header) for c in form.columns)
    cols = form.columns
    for level in range(depth):
        c = 0
        while c < len(cols):
            header = cols[c].header
            if level >= len(header):
                c += 1
                continue
            if level == len(header) - 1:  # leaf: span the remaining levels down
                _merge(
                    ws,
                    top + level,
                    c + 1,
                    top + depth - 1,
                    c + 1,
                    header[level],
                    bold=True,
                    align=CENTER,
                    border=True,
                )
                c += 1
                continue
            end = c
            while (
                end + 1 < len(cols)
                and cols[end + 1].header[: level + 1] == header[: level + 1]
                and len(cols[end + 1].header) > level + 1
            ):
                end += 1
            _merge(
                ws,
                top + level,
                c + 1,
                top + level,
                end + 1,
                header[level],
                bold=True,
                align=CENTER,
                border=True,
            )
            c = end + 1
    numbers = top + depth
    for i in range(len(cols)):
        _put(ws, numbers, i + 1, i + 1, italic=True, align=CENTER, border=True)
    return numbers


def _unit_line(data: FormData) -> tuple[str, str]:
    area = data.area
    parent = area.parent.name if area.parent_id else ""
    kind = {AreaKind.COMMUNE: "UBND", AreaKind.DISTRICT: "UBND", AreaKind.CITY: "UBND"}.get(
        area.kind, ""
    )
    upper = f"{kind} {parent}".strip().upper() if parent else ""
    return upper, f"BCĐ PCGD-XMC {area.name}".upper()


def _date_line(data: FormData, today) -> str:
    return f"{data.area.name}, ngày {today:%d} tháng {today:%m} năm {today:%Y}"


def write_form(*, form: Form, data: FormData, wb: Workbook, today=None) -> dict:
    """Add the form as a sheet of ``wb``; returns ``{"rows": [[values]…], "first_row": n}`` for checks."""
    today = today or timezone.localdate()
    ws = wb.create_sheet(title=form.code[:31])
    width = len(form.columns)
    upper, unit = _unit_line(data)
    half = max(2, width // 2)
    _put(ws, 1, 1, upper or unit, bold=not upper)
    _put(ws, 2, 1, unit if upper else "", bold=True)
    _put(ws, 1, half + 1, f"Biểu {form.code}", bold=True)
    _merge(ws, 4, 1, 4, width, form.title, bold=True, size=13, align=CENTER)
    _merge(
        ws,
        5,
        1,
        5,
        width,
        f"{school_year(data.round_year)} — {data.area.name}",
        bold=True,
        align=CENTER,
    )
    ws.row_dimensions[4].height = 33
    header_top = 7
    numbers = _headers(ws, form, header_top)
    rows = form_rows(form, data)
    values = []
    r = numbers + 1
    for row in rows:
        line = []
        for i, col in enumerate(form.columns):
            value = col.value(row)
            fmt = PCT_FORMAT if col.kind == "pct" else ("0" if col.kind == "int" else None)
            align = (
                None
                if col.kind != "text"
                else Alignment(horizontal="left", vertical="center", wrap_text=True)
            )
            _put(ws, r, i + 1, value, bold=row.is_total, border=True, fmt=fmt, align=align)
            line.append(value)
        values.append(line)
        r += 1
    footer = (
        f"Bộ quy tắc: {data.rules.name} (phiên bản {data.rules.version}); "
        f"số liệu tính lúc {timezone.localtime(data.computed_at):%d/%m/%Y %H:%M}"
    )
    _put(ws, r + 1, 1, footer, italic=True, size=10)
    _put(ws, r + 3, half + 1, _date_line(data, today), italic=True)
    if data.area.kind == AreaKind.COMMUNE:
        signs = [
            (1, SIGN_LEFT),
            (max(2, width // 3), SIGN_COMMUNE),
            (max(3, (2 * width) // 3), SIGN_RIGHT),
        ]
    else:
        signs = [(1, SIGN_LEFT), (half + 1, SIGN_RIGHT)]
    for col, text in signs:
        _put(ws, r + 4, col, text, bold=True)
        _put(ws, r + 5, col, "(Ký, ghi rõ họ tên)", italic=True, size=10)
    for i, col in enumerate(form.columns):
        ws.column_dimensions[get_column_letter(i + 1)].width = col.width
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{header_top}:{numbers}"
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.freeze_panes = ws.cell(row=numbers + 1, column=2)
    return {"rows": values, "first_row": numbers + 1, "labels": [row.label for row in rows]}


def _new_workbook() -> Workbook:
    wb = Workbook()
    wb.remove(wb.active)
    return wb


def form_workbook(
    *, form_code: str, area, round_year: int, rules, progress=None
) -> tuple[Workbook, FormData]:
    form = FORMS[form_code]
    data = form_data(
        area=area,
        round_year=round_year,
        rules=rules,
        extras=form.extras,
        villages=form.village_rows,
    )
    wb = _new_workbook()
    write_form(form=form, data=data, wb=wb)
    if progress:
        progress(1, 1)
    return wb, data


def file_stem(form_code: str, area, round_year: int) -> str:
    return f"{form_code}_{area.code}_{round_year}"


def write_form_file(*, form_code: str, area, round_year: int, rules, path: Path) -> Path:
    wb, _data = form_workbook(form_code=form_code, area=area, round_year=round_year, rules=rules)
    wb.save(path)
    return path


def write_forms_zip(
    *, area, round_year: int, rules, path: Path, forms=None, progress=None
) -> list[str]:
    """Every form of the area as one workbook each, zipped; returns the names in the zip."""
    codes = list(forms or FORMS)
    base = form_data(
        area=area,
        round_year=round_year,
        rules=rules,
        extras=any(FORMS[c].extras for c in codes),
        villages=any(FORMS[c].village_rows for c in codes),
    )
    names = []
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for i, code in enumerate(codes):
            wb = _new_workbook()
            write_form(form=FORMS[code], data=base, wb=wb)
            buffer = io.BytesIO()
            wb.save(buffer)
            name = f"{file_stem(code, area, round_year)}.xlsx"
            zf.writestr(name, buffer.getvalue())
            names.append(name)
            if progress:
                progress(i + 1, len(codes))
    return names
