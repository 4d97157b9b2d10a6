"""Text written to spreadsheets and CSV files never becomes a formula."""

import csv
import datetime as dt
import io

import openpyxl
import xlsxwriter

from server.exports import csv_value, openpyxl_set, xlsxwriter_write

NASTY = [
    '=HYPERLINK("http://x","y")',
    "=1+1",
    "@SUM(1)",
    "+1+1",
    "=cmd|' /C calc'!A0",
    "-2+3",
    "\t=1",
    "\r=1",
]


def test_csv_values_that_look_like_formulas_get_an_apostrophe():
    out = io.StringIO()
    csv.writer(out).writerow([csv_value(v) for v in [*NASTY, "Nguyễn Văn A", 12, None]])
    row = next(csv.reader(io.StringIO(out.getvalue())))
    assert row[: len(NASTY)] == ["'" + v for v in NASTY]
    assert row[len(NASTY) :] == ["Nguyễn Văn A", "12", ""]


def test_openpyxl_cells_keep_text_as_text_and_numbers_as_numbers(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    for col, value in enumerate([*NASTY, 7, 1.5, dt.date(2025, 9, 1)], start=1):
        openpyxl_set(sheet.cell(row=1, column=col), value)
    book.save(tmp_path / "x.xlsx")
    read = openpyxl.load_workbook(tmp_path / "x.xlsx").active
    cells = [read.cell(row=1, column=c) for c in range(1, len(NASTY) + 4)]
    assert [c.value for c in cells[: len(NASTY) - 1]] == NASTY[:-1]  # (XML turns "\r" into "\n")
    assert all(c.data_type == "s" for c in cells[: len(NASTY)])
    assert cells[len(NASTY)].value == 7 and cells[len(NASTY)].data_type == "n"


def test_xlsxwriter_writes_text_as_strings(tmp_path):
    path = tmp_path / "y.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    for col, value in enumerate([*NASTY, 3, None]):
        xlsxwriter_write(sheet, 0, col, value)
    book.close()
    read = openpyxl.load_workbook(path).active
    cells = [read.cell(row=1, column=c + 1) for c in range(len(NASTY) + 1)]
    assert [c.value for c in cells[: len(NASTY) - 1]] == NASTY[:-1]
    assert all(c.data_type == "s" for c in cells[: len(NASTY)])
    assert cells[-1].value == 3
