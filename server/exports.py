"""Cells written to spreadsheets and CSV files: text stays text (formula injection).

A name such as ``=HYPERLINK("http://x","y")`` typed on a phone must never become a live
formula in a file an officer opens (OWASP, "CSV Injection"). Every writer of a CSV or xlsx
file goes through these helpers:

- CSV: ``csv_value(value)`` prefixes text that a spreadsheet would read as a formula (it
  starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) with an apostrophe;
- openpyxl: ``openpyxl_set(cell, value)`` stores text as a string cell, never a formula;
- xlsxwriter: ``xlsxwriter_write(sheet, row, col, value, fmt)`` writes text with
  ``write_string``, never ``write_formula``.

Numbers, dates, booleans and blanks stay what they are.
"""

import datetime as dt

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_value(value):
    """The value for a CSV cell: formula-like text gets a leading apostrophe."""
    if is_formula_like(value):
        return "'" + value
    return value


def openpyxl_set(cell, value) -> None:
    """Put ``value`` in an openpyxl cell; text is always a string cell, never a formula."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


def xlsxwriter_write(sheet, row: int, col: int, value, fmt=None) -> None:
    """Write ``value`` with xlsxwriter; text is always written with ``write_string``."""
    if value is None or value == "":
        sheet.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        sheet.write_boolean(row, col, value, fmt)
    elif isinstance(value, int | float):
        sheet.write_number(row, col, value, fmt)
    elif isinstance(value, dt.datetime | dt.date):
        sheet.write_datetime(row, col, value, fmt)
    else:
        sheet.write_string(row, col, str(value), fmt)
