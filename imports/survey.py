"""Imports of survey workbooks: the MOET template ``MauNhapLieu`` and our own template.

``import_file(path, commune=, round_year=, dry_run=)`` reads every row, reports every row it
cannot read (row number, column, reason), groups the rows into households by household
number ("số phiếu") within the commune, matches households to existing ones by that number
and people to existing members by the dedup rules (national ID exactly; else the normalised
name, sex, birth year and a compatible month/day), and writes each household through the
one write path ``surveys.services.household_upsert`` (source ``import:<filename>``). A
household the write path refuses is reported on each of its rows, its errors mapped back to
the row and column they came from. A dry run does the same writes inside a transaction that
is rolled back, so it reports exactly what the import would do. See docs/imports.md.
"""

import csv
import hashlib
import re
import uuid
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from areas.models import Area, AreaKind
from dedup.matching import valid_national_id
from dedup.normalize import fold_name
from server.errors import DomainError, ValidationFailed, VersionConflict
from surveys.models import Disability, Household, Level, Relation, Residence, Resident, Sex, Status
from surveys.rules import ethnic_groups
from surveys.text import clean_name, fold

MOET_SHEET = "MauNhapLieu"
MOET_FIRST_ROW = 5
OWN_SHEET = "NhapLieu"
OWN_FIRST_ROW = 3  # row 1: Vietnamese headers, row 2: the wire keys, data from row 3
MAX_ROWS = 200_000


class ImportRefused(DomainError):
    """The file cannot be imported at all (unreadable, wrong round, no reason after sign-off)."""


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class Row:
    """One person row read from the file."""

    number: int  # the row number in the sheet
    raw: tuple  # the original cell values (for the errors workbook)
    household: str  # the household number
    village: str  # a village code (our template) or the address/village text (MOET)
    household_fields: dict
    member: dict  # wire member fields (only those the file gives a value for)
    note: str = ""
    repeating: bool = False
    columns: dict = field(default_factory=dict)  # wire path → column (letter or key)


@dataclass
class Result:
    format: str
    dry_run: bool
    rows_read: int = 0
    households_created: int = 0
    households_updated: int = 0
    households_unchanged: int = 0
    people_created: int = 0
    people_updated: int = 0
    repeating: int = 0
    reason_required: bool = False
    errors: list[RowError] = field(default_factory=list)
    raw: dict = field(default_factory=dict)  # row → original values, for the rows with errors
    header: tuple = ()

    @property
    def rows_rejected(self) -> int:
        return len({e.row for e in self.errors if e.row})

    def add(self, row: Row | None, column: str, message: str) -> None:
        number = row.number if row else 0
        self.errors.append(RowError(number, column, str(message)))
        if row is not None:
            self.raw[row.number] = row.raw

    def summary(self) -> dict:
        return {
            "format": self.format,
            "dry_run": self.dry_run,
            "rows_read": self.rows_read,
            "households_created": self.households_created,
            "households_updated": self.households_updated,
            "households_unchanged": self.households_unchanged,
            "people_created": self.people_created,
            "people_updated": self.people_updated,
            "rows_rejected": self.rows_rejected,
            "repeating": self.repeating,
            "reason_required": self.reason_required,
            "errors": [e.as_dict() for e in sorted(self.errors, key=lambda e: (e.row, e.column))],
        }


class BadValue(ValueError):
    pass


# --- reading cells ----------------------------------------------------------------------------


def text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def integer(value) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise BadValue(_("Must be a whole number."))
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise BadValue(_("Must be a whole number."))


_SCHOOL_YEAR = re.compile(r"^\s*(\d{4})\s*[-–/]\s*(\d{4})\s*$")


def school_year(value, *, end: bool) -> int | None:
    """A school year "2023-2024" as its end year (``end``) or start year; a plain year as is."""
    if value is None or text(value) == "":
        return None
    match = _SCHOOL_YEAR.match(text(value))
    if match:
        first, last = int(match.group(1)), int(match.group(2))
        if last != first + 1:
            raise BadValue(_("A school year is written like 2023-2024."))
        return last if end else first
    try:
        return integer(value)
    except BadValue:
        raise BadValue(_("A school year is written like 2023-2024.")) from None


def ticked(value) -> bool:
    return text(value) != ""


@cache
def _ethnic_slugs() -> dict[str, str]:
    with open(settings.ETHNIC_GROUPS_CSV, encoding="utf-8") as handle:
        return {
            row["slug"].upper(): row["code"] for row in csv.DictReader(handle) if row.get("slug")
        }


def ethnicity_code(value) -> str:
    """A GSO code from a code ("01", 1), a MOET slug ("XO_DANG") or a name ("Xơ Đăng")."""
    raw = text(value)
    if not raw:
        raise BadValue(_("The ethnic group is missing."))
    groups = ethnic_groups()
    if raw.isdigit() and raw.zfill(2) in groups:
        return raw.zfill(2)
    slug = raw.upper().replace(" ", "_").replace("-", "_")
    if slug in _ethnic_slugs():
        return _ethnic_slugs()[slug]
    by_name = {fold(name): code for code, name in groups.items()}
    if fold(raw) in by_name:
        return by_name[fold(raw)]
    raise BadValue(_("Unknown ethnic group %(value)r.") % {"value": raw})


def _choice(value, choices, *, synonyms: dict | None = None):
    """A wire value from the value itself, its label (Vietnamese or English) or a synonym."""
    raw = text(value)
    if not raw:
        return None
    if raw in choices.values:
        return raw
    folded = fold(raw)
    for key, label in choices.choices:
        if folded in (fold(str(label)), fold(key)):
            return key
    for words, key in (synonyms or {}).items():
        if folded == words:
            return key
    allowed = ", ".join(str(label) for _key, label in choices.choices)
    raise BadValue(
        _("Unknown value %(value)r; use one of: %(allowed)s.") % {"value": raw, "allowed": allowed}
    )


# --- the MOET template ------------------------------------------------------------------------

COL = {
    "family": "C", "given": "D", "day": "E", "month": "F", "year": "G", "female": "H", "ethnicity": "I",
    "religion": "J", "address": "N", "number": "O", "residence": "P", "residence_state": "Q", "grade": "R",
    "class": "S", "school": "U", "school_code": "V", "graduated": "W", "continuing": "X",
    "graduated_year": "Y", "completed_grade": "AC", "completed_year": "AD", "dropped_grade": "AE",
    "dropped_year": "AF", "literacy_class": "AG", "literate": "AH", "relapsed": "AI", "able": "AS",
    "situation": "AT", "relation": "AV", "guardian": "AW", "phone": "AX", "note": "AY",
}  # fmt: skip
DISABILITY_COLS = ("AJ", "AK", "AL", "AM", "AN", "AO", "AP", "AQ")
LAST_COL = "AY"

# wire path (without "members.<i>.") → MOET column, to map the write path's errors back
MOET_COLUMNS = {
    "full_name": "C", "sex": "H", "birth_year": "G", "birth_month": "F", "birth_day": "E", "ethnicity": "I",
    "relation": "AV", "guardian_name": "AW", "status": "AT", "status_year": "AT", "disability": "AJ",
    "preschool_completed_year": "Y", "primary_completed_year": "Y", "lower_secondary_graduated_year": "Y",
    "upper_secondary_graduated_year": "Y", "highest_grade_completed": "AC", "literacy_stage": "AH",
    "dropped_out": "AE", "dropped_out.grade": "AE", "dropped_out.year": "AF", "enrollment": "R",
    "enrollment.level": "R", "enrollment.grade": "R", "enrollment.school": "U", "id": "C",
    "number": "O", "village": "N", "address": "N", "residence": "P", "phone": "AX", "note": "AY", "members": "AV",
}  # fmt: skip

RELATION_WORDS = [
    ("chu ho", Relation.HEAD), ("vo", Relation.SPOUSE), ("chong", Relation.SPOUSE), ("con", Relation.CHILD),
    ("chau", Relation.GRANDCHILD), ("bo", Relation.PARENT), ("me", Relation.PARENT), ("cha", Relation.PARENT),
    ("anh", Relation.SIBLING), ("chi", Relation.SIBLING), ("em", Relation.SIBLING),
]  # fmt: skip
MOVE_WORDS = ("chuyen den", "chuyen di", "chet", "qua doi", "tu vong", "da mat")
GRADUATION = {"th": ("primary_completed_year", 5), "thcs": ("lower_secondary_graduated_year", 9),
              "thpt": ("upper_secondary_graduated_year", 12)}  # fmt: skip


def _col_index(letter: str) -> int:
    from openpyxl.utils import column_index_from_string

    return column_index_from_string(letter) - 1


def _relation(value) -> str:
    folded = fold(text(value))
    if not folded:
        return Relation.OTHER
    for words, relation in RELATION_WORDS:
        if folded == words or folded.startswith(words + " "):
            return relation
    try:
        return _choice(value, Relation) or Relation.OTHER
    except BadValue:
        return Relation.OTHER


def _status(value) -> str:
    folded = fold(text(value))
    if not folded:
        return Status.PRESENT
    if "chuyen den" in folded:
        return Status.MOVED_IN
    if "chuyen di" in folded:
        return Status.MOVED_OUT
    if folded in ("chet", "da chet", "mat", "da mat", "qua doi", "tu vong") or "chet" in folded:
        return Status.DECEASED
    raise BadValue(
        _("Unknown situation %(value)r; use: chuyển đến, chuyển đi, chết.") % {"value": text(value)}
    )


def _enrollment(grade_value, continuing: bool) -> dict | None:
    raw = fold(text(grade_value))
    if not raw:
        return None
    digits = re.findall(r"\d+", raw)
    if "tuoi" in raw or "mg" in raw or "mau giao" in raw:
        if not digits or int(digits[0]) not in (3, 4, 5):
            raise BadValue(_("A preschool group is 3, 4 or 5 tuổi."))
        return {"level": Level.PRESCHOOL, "grade": int(digits[0])}
    if len(digits) != 1 or raw != digits[0]:
        raise BadValue(_("The grade is “5 tuổi” or a number from 1 to 12."))
    grade = int(digits[0])
    if 1 <= grade <= 5:
        return {"level": Level.PRIMARY, "grade": grade}
    if 6 <= grade <= 9:
        return {"level": Level.LOWER_SECONDARY, "grade": grade}
    if 10 <= grade <= 12:
        return {
            "level": Level.CONTINUING_UPPER if continuing else Level.UPPER_SECONDARY,
            "grade": grade,
        }
    raise BadValue(_("The grade is “5 tuổi” or a number from 1 to 12."))


def _moet_row(number: int, values: tuple, *, round_year: int, result: Result) -> Row | None:
    def cell(name: str):
        index = _col_index(COL[name])
        return values[index] if index < len(values) else None

    row = Row(
        number=number,
        raw=values,
        household="",
        village="",
        household_fields={},
        member={},
        columns=MOET_COLUMNS,
    )
    problems: list[tuple[str, str]] = []

    def attempt(column: str, fn):
        try:
            return fn()
        except BadValue as exc:
            problems.append((column, str(exc)))
            return None

    name = clean_name(f"{text(cell('family'))} {text(cell('given'))}")
    if not text(cell("given")):
        problems.append((COL["given"], _("The given name is missing.")))
    member = row.member
    member["full_name"] = name
    member["sex"] = Sex.FEMALE if ticked(cell("female")) else Sex.MALE
    year = attempt(COL["year"], lambda: integer(cell("year")))
    if year is None and not any(c == COL["year"] for c, _m in problems):
        problems.append((COL["year"], _("The birth year is missing.")))
    member["birth_year"] = year
    for key, name_ in (("birth_month", "month"), ("birth_day", "day")):
        value = attempt(COL[name_], lambda n=name_: integer(cell(n)))
        if value is not None:
            member[key] = value
    code = attempt(COL["ethnicity"], lambda: ethnicity_code(cell("ethnicity")))
    if code:
        member["ethnicity"] = code
    member["relation"] = _relation(cell("relation"))
    guardian = clean_name(text(cell("guardian")))
    if guardian:
        member["guardian_name"] = guardian
    situation = cell("situation")
    if not text(situation) and any(k in fold(text(cell("residence_state"))) for k in MOVE_WORDS):
        situation = cell(
            "residence_state"
        )  # Q only when it says a move or a death ("Có mặt" is no status)
    status = attempt(COL["situation"], lambda: _status(situation))
    if status:
        member["status"] = status
        if status != Status.PRESENT:
            member["status_year"] = round_year  # the template has no year of the move or death
    if any(
        ticked(cell_value)
        for cell_value in (
            values[_col_index(c)] if _col_index(c) < len(values) else None for c in DISABILITY_COLS
        )
    ):
        member["disability"] = (
            Disability.CAN_STUDY if ticked(cell("able")) else Disability.CANNOT_STUDY
        )
    highest = attempt(COL["completed_grade"], lambda: integer(cell("completed_grade")))
    minimum = 0
    graduated = fold(text(cell("graduated"))).replace(" ", "")
    if graduated:
        if graduated not in GRADUATION:
            problems.append((COL["graduated"], _("The level graduated is TH, THCS or THPT.")))
        else:
            key, minimum = GRADUATION[graduated]
            grad_year = attempt(
                COL["graduated_year"], lambda: school_year(cell("graduated_year"), end=True)
            )
            if grad_year is None and not any(c == COL["graduated_year"] for c, _m in problems):
                problems.append((COL["graduated_year"], _("The graduation year is missing.")))
            elif grad_year is not None:
                member[key] = grad_year
    enrollment = attempt(
        COL["grade"], lambda: _enrollment(cell("grade"), ticked(cell("continuing")))
    )
    if enrollment:
        school = text(cell("school")) or text(cell("school_code"))
        member["enrollment"] = {"round": round_year, **enrollment, "school": school}
        if enrollment["level"] != Level.PRESCHOOL:
            minimum = max(minimum, enrollment["grade"] - 1)
    if text(cell("class")).endswith("!"):
        row.repeating = True
    if highest is not None or minimum:
        member["highest_grade_completed"] = max(highest or 0, minimum)
    d_grade = attempt(COL["dropped_grade"], lambda: integer(cell("dropped_grade")))
    d_year = attempt(COL["dropped_year"], lambda: school_year(cell("dropped_year"), end=False))
    if d_grade is not None or d_year is not None:
        member["dropped_out"] = {"grade": d_grade, "year": d_year}
    literate = fold(text(cell("literate")))
    if literate:
        digits = re.findall(r"[12]", literate)
        member["literacy_stage"] = int(digits[-1]) if digits else 1
    if ticked(cell("relapsed")):
        member["literacy_stage"] = 0
    row.household = text(cell("number"))
    if not row.household:
        problems.append((COL["number"], _("The household number (số phiếu) is missing.")))
    row.village = text(cell("address"))
    fields = row.household_fields
    if row.village:
        fields["address"] = row.village[:255]
    residence = fold(text(cell("residence")))
    if residence:
        fields["residence"] = (
            Residence.TEMPORARY
            if ("tam" in residence or residence in ("kt3", "kt4"))
            else Residence.PERMANENT
        )
    phone = re.sub(r"[\s.]", "", text(cell("phone")))
    if phone:
        fields["phone"] = "0" + phone if len(phone) == 9 and phone.isdigit() else phone
    row.note = text(cell("note"))
    for column, message in problems:
        result.add(row, column, message)
    return None if problems else row


# --- our own template -------------------------------------------------------------------------

HOUSEHOLD_KEYS = ("village", "number", "address", "residence", "phone", "note", "visit_date")
MEMBER_KEYS = (
    "id", "full_name", "sex", "birth_day", "birth_month", "birth_year", "ethnicity", "relation", "national_id",
    "guardian_name", "status", "status_year", "disability", "preschool_completed_year", "primary_completed_year",
    "lower_secondary_graduated_year", "upper_secondary_graduated_year", "highest_grade_completed",
    "literacy_stage", "dropped_out_grade", "dropped_out_year", "enrollment_level", "enrollment_grade",
    "enrollment_school",
)  # fmt: skip
OWN_KEYS = (*HOUSEHOLD_KEYS, *MEMBER_KEYS)
INTEGER_KEYS = {
    "birth_day", "birth_month", "birth_year", "status_year", "preschool_completed_year", "primary_completed_year",
    "lower_secondary_graduated_year", "upper_secondary_graduated_year", "highest_grade_completed",
    "literacy_stage", "dropped_out_grade", "dropped_out_year", "enrollment_grade",
}  # fmt: skip
CHOICE_KEYS = {"sex": Sex, "relation": Relation, "status": Status, "disability": Disability,
               "residence": Residence, "enrollment_level": Level}  # fmt: skip


def own_labels() -> dict[str, str]:
    """The Vietnamese header of each column of our template."""
    return {
        "village": _("Village code"), "number": _("Household number"), "address": _("Address"),
        "residence": _("Residence"), "phone": _("Phone"), "note": _("Note"), "visit_date": _("Visit date"),
        "id": _("Person id (leave empty)"), "full_name": _("Full name"), "sex": _("Sex"),
        "birth_day": _("Birth day"), "birth_month": _("Birth month"), "birth_year": _("Birth year"),
        "ethnicity": _("Ethnic group"), "relation": _("Relation to the head"), "national_id": _("National ID"),
        "guardian_name": _("Parent or guardian"), "status": _("Residence status"),
        "status_year": _("Year of the move or death"), "disability": _("Disability"),
        "preschool_completed_year": _("Year completed preschool"),
        "primary_completed_year": _("Year completed primary"),
        "lower_secondary_graduated_year": _("Year graduated lower secondary"),
        "upper_secondary_graduated_year": _("Year graduated upper secondary"),
        "highest_grade_completed": _("Highest grade completed"), "literacy_stage": _("Literacy stage (0, 1, 2)"),
        "dropped_out_grade": _("Dropped out: grade"), "dropped_out_year": _("Dropped out: year"),
        "enrollment_level": _("Studying this year: level"), "enrollment_grade": _("Studying this year: grade"),
        "enrollment_school": _("Studying this year: school"),
    }  # fmt: skip


OWN_PATHS = {key: key for key in OWN_KEYS} | {
    "dropped_out": "dropped_out_grade", "dropped_out.grade": "dropped_out_grade",
    "dropped_out.year": "dropped_out_year", "enrollment": "enrollment_level", "enrollment.level": "enrollment_level",
    "enrollment.grade": "enrollment_grade", "enrollment.school": "enrollment_school", "members": "relation",
    "visit": "visit_date", "visit.date": "visit_date",
}  # fmt: skip


def _own_row(
    number: int, values: tuple, keys: list[str], *, round_year: int, result: Result
) -> Row | None:
    by_key = {key: values[i] if i < len(values) else None for i, key in enumerate(keys) if key}
    row = Row(
        number=number,
        raw=values,
        household="",
        village="",
        household_fields={},
        member={},
        columns=OWN_PATHS,
    )
    problems: list[tuple[str, str]] = []
    read: dict = {}
    for key in OWN_KEYS:
        value = by_key.get(key)
        try:
            if key in INTEGER_KEYS:
                value = integer(value)
            elif key in CHOICE_KEYS:
                value = _choice(value, CHOICE_KEYS[key])
            elif key == "ethnicity":
                value = ethnicity_code(value) if text(value) else None
            elif key == "visit_date":
                value = (
                    value.date().isoformat() if hasattr(value, "date") else (text(value) or None)
                )
            else:
                value = text(value) or None
        except BadValue as exc:
            problems.append((key, str(exc)))
            value = None
        if value is not None:
            read[key] = value
    member = row.member
    for key in MEMBER_KEYS:
        if key in read and not key.startswith(("dropped_out_", "enrollment_")):
            member[key] = read[key]
    if "dropped_out_grade" in read or "dropped_out_year" in read:
        member["dropped_out"] = {
            "grade": read.get("dropped_out_grade"),
            "year": read.get("dropped_out_year"),
        }
    if "enrollment_level" in read:
        member["enrollment"] = {
            "round": round_year, "level": read["enrollment_level"], "grade": read.get("enrollment_grade"),
            "school": read.get("enrollment_school", ""),
        }  # fmt: skip
    for key in ("full_name", "birth_year", "sex", "ethnicity", "relation"):
        if key not in read and not any(k == key for k, _m in problems):
            problems.append((key, _("This field is required.")))
    row.household = read.get("number", "")
    if not row.household and not any(k == "number" for k, _m in problems):
        problems.append(("number", _("The household number is missing.")))
    row.village = read.get("village", "")
    if not row.village:
        problems.append(("village", _("The village code is missing.")))
    for key in ("address", "residence", "phone", "note"):
        if key in read:
            row.household_fields[key] = read[key]
    if "visit_date" in read:
        row.household_fields["visit"] = {"round": round_year, "date": read["visit_date"]}
    for column, message in problems:
        result.add(row, column, message)
    return None if problems else row


# --- reading a workbook -----------------------------------------------------------------------


def read_workbook(path: Path, *, round_year: int, result: Result) -> list[Row]:
    """Every row of the file that could be read (the others are in ``result.errors``)."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is refused with the reason
        raise ImportRefused(
            _("The file is not an Excel workbook (.xlsx) that can be read: %(error)s")
            % {"error": exc}
        ) from exc
    try:
        if MOET_SHEET in book.sheetnames:
            result.format = "moet"
            return _read_moet(book[MOET_SHEET], round_year=round_year, result=result)
        if OWN_SHEET in book.sheetnames:
            result.format = "own"
            return _read_own(book[OWN_SHEET], round_year=round_year, result=result)
        raise ImportRefused(
            _("The workbook has no sheet %(a)s (MOET template) or %(b)s (our template).")
            % {"a": MOET_SHEET, "b": OWN_SHEET}
        )
    finally:
        book.close()


def _blank(values: tuple) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def _read_moet(sheet, *, round_year: int, result: Result) -> list[Row]:
    from openpyxl.utils import get_column_letter

    last = _col_index(LAST_COL) + 1
    a2 = next(sheet.iter_rows(min_row=2, max_row=2, max_col=1, values_only=True), (None,))[0]
    found = re.findall(r"(?<!\d)(\d{4})(?!\d)", text(a2))
    if found and int(found[0]) != round_year:
        raise ImportRefused(
            _(
                "The file is for survey year %(file)s (cell A2) but the import is into round %(round)d."
            )
            % {"file": found[0], "round": round_year}
        )
    result.header = tuple(get_column_letter(i + 1) for i in range(last))
    rows = []
    for number, values in enumerate(
        sheet.iter_rows(min_row=MOET_FIRST_ROW, max_col=last, values_only=True),
        start=MOET_FIRST_ROW,
    ):
        if _blank(values):
            continue
        if number > MAX_ROWS:
            raise ImportRefused(_("At most %(n)d rows per file.") % {"n": MAX_ROWS})
        result.rows_read += 1
        values = tuple(values) + (None,) * (last - len(values))
        row = _moet_row(number, values, round_year=round_year, result=result)
        if row is not None:
            rows.append(row)
    return rows


def _read_own(sheet, *, round_year: int, result: Result) -> list[Row]:
    head = list(sheet.iter_rows(min_row=1, max_row=2, values_only=True))
    keys = [text(v) for v in head[1]] if len(head) > 1 else []
    missing = [k for k in ("number", "village", "full_name", "birth_year") if k not in keys]
    if missing:
        raise ImportRefused(
            _("Row 2 of the sheet must hold the column keys; missing: %(keys)s.")
            % {"keys": ", ".join(missing)}
        )
    result.header = tuple(text(v) for v in head[0])
    rows = []
    for number, values in enumerate(
        sheet.iter_rows(min_row=OWN_FIRST_ROW, values_only=True), start=OWN_FIRST_ROW
    ):
        if _blank(values):
            continue
        if number > MAX_ROWS:
            raise ImportRefused(_("At most %(n)d rows per file.") % {"n": MAX_ROWS})
        result.rows_read += 1
        row = _own_row(number, tuple(values), keys, round_year=round_year, result=result)
        if row is not None:
            rows.append(row)
    return rows


# --- villages, matching -----------------------------------------------------------------------

_VILLAGE_WORDS = (
    "thon",
    "to dan pho",
    "tdp",
    "to",
    "xom",
    "ban",
    "ap",
    "khu pho",
    "khu",
    "buon",
    "lang",
)


def _bare(name: str) -> str:
    folded = fold(name)
    for word in _VILLAGE_WORDS:
        if folded.startswith(word + " "):
            return folded[len(word) + 1 :]
    return folded


class VillageFinder:
    def __init__(self, commune: Area):
        self.villages = list(Area.objects.filter(parent=commune, kind=AreaKind.VILLAGE))
        self.by_code = {v.code: v for v in self.villages}
        self.by_name = {fold(v.name): v for v in self.villages}
        self.by_bare: dict[str, list[Area]] = {}
        for v in self.villages:
            self.by_bare.setdefault(_bare(v.name), []).append(v)

    def by_code_or_none(self, code: str) -> Area | None:
        return self.by_code.get(code)

    def from_address(self, address: str) -> Area | None:
        """The village named in a MOET address ("Thôn 3", "Số 12, Tổ dân phố 2"), if exactly one fits."""
        folded = fold(address)
        if address in self.by_code:
            return self.by_code[address]
        if folded in self.by_name:
            return self.by_name[folded]
        if len(self.by_bare.get(_bare(address), [])) == 1:
            return self.by_bare[_bare(address)][0]
        parts = [p.strip() for p in re.split(r"[,;]", address) if p.strip()]
        found = {
            self.by_name[fold(p)].pk: self.by_name[fold(p)]
            for p in parts
            if fold(p) in self.by_name
        }
        if len(found) == 1:
            return next(iter(found.values()))
        padded = f" {folded} "
        found = {v.pk: v for name, v in self.by_name.items() if f" {name} " in padded}
        return next(iter(found.values())) if len(found) == 1 else None


def _same_person(member: dict, resident) -> bool:
    if member.get("sex") != resident.sex or member.get("birth_year") != resident.birth_year:
        return False
    if fold_name(member.get("full_name", "")) != fold_name(resident.full_name):
        return False
    for key in ("birth_month", "birth_day"):
        mine, theirs = member.get(key), getattr(resident, key)
        if mine is not None and theirs is not None and mine != theirs:
            return False
    return True


def match_members(members: list[dict], residents: list) -> None:
    """Give each member of the file the id of the existing member it is (at most one each)."""
    given = {str(m["id"]) for m in members if m.get("id")}  # our template may carry the ids
    free = [r for r in residents if str(r.pk) not in given]
    by_id_number = {
        valid_national_id(r.national_id): r for r in residents if valid_national_id(r.national_id)
    }
    for member in members:
        if member.get("id"):
            continue
        found = None
        number = valid_national_id(member.get("national_id", ""))
        if number and number in by_id_number and by_id_number[number] in free:
            found = by_id_number[number]
        if found is None:
            found = next((r for r in free if _same_person(member, r)), None)
        if found is not None:
            free.remove(found)
            member["id"] = str(found.pk)


# --- importing --------------------------------------------------------------------------------


def _household_note(rows: list[Row]) -> str | None:
    parts = [f"{r.member.get('full_name', '')}: {r.note}" for r in rows if r.note]
    repeating = [r.member.get("full_name", "") for r in rows if r.repeating]
    if repeating:
        parts.append(_("Repeating a grade: %(names)s") % {"names": ", ".join(repeating)})
    return "; ".join(parts)[:2000] if parts else None


def _map_errors(errors: dict, rows: list[Row], result: Result) -> None:
    """Put the write path's errors (paths like ``members.2.birth_year``) on the rows they came from."""
    for path, messages in errors.items():
        match = re.match(r"^members\.(\d+)(?:\.(.+))?$", path)
        if match and int(match.group(1)) < len(rows):
            row = rows[int(match.group(1))]
            key = match.group(2) or "members"
            column = row.columns.get(key, key)
            for message in messages:
                result.add(row, column, message)
            continue
        for row in rows:
            column = (
                row.columns.get(path, path) if path not in ("reason", "non_field_errors") else ""
            )
            for message in messages:
                result.add(row, column, message)


def _group(rows: list[Row]) -> dict[str, list[Row]]:
    groups: dict[str, list[Row]] = {}
    for row in rows:
        groups.setdefault(row.household, []).append(row)
    return groups


def import_rows(
    rows: list[Row],
    *,
    commune: Area,
    round_year: int,
    result: Result,
    user=None,
    source: str,
    reason: str = "",
) -> None:
    from surveys.services import household_upsert
    from surveys.signoff import is_signed_off

    if is_signed_off(commune_id=commune.pk, round_year=round_year) and not reason.strip():
        result.reason_required = True
        if not result.dry_run:
            raise ImportRefused(
                _(
                    "The commune's data for this round are signed off: give a reason for this import."
                ),
                errors={
                    "reason": [
                        _(
                            "The commune's data for this round are signed off: give a reason for this import."
                        )
                    ]
                },
            )
        reason = "dry run"  # rolled back: lets the dry run show what the import would do
    finder = VillageFinder(commune)
    groups = _group(rows)
    existing = {
        h.number: h
        for h in Household.objects.filter(
            commune=commune, number__in=list(groups), deleted_at__isnull=True
        ).select_related("village")
    }
    residents: dict = {}
    for resident in Resident.objects.filter(
        household__in=list(existing.values()), deleted_at__isnull=True
    ).only(
        "id",
        "household_id",
        "full_name",
        "sex",
        "birth_year",
        "birth_month",
        "birth_day",
        "national_id",
    ):
        residents.setdefault(resident.household_id, []).append(resident)
    for number, group in groups.items():
        _import_household(
            number, group, commune=commune, round_year=round_year, result=result, user=user, source=source,
            reason=reason, finder=finder, household=existing.get(number), residents=residents,
            upsert=household_upsert,
        )  # fmt: skip


def _import_household(
    number,
    group,
    *,
    commune,
    round_year,
    result,
    user,
    source,
    reason,
    finder,
    household,
    residents,
    upsert,
):
    village, bad = None, False
    for row in group:
        found = (
            finder.by_code_or_none(row.village)
            if result.format == "own"
            else finder.from_address(row.village)
        )
        if found is None and result.format == "moet" and not row.village and household is not None:
            found = household.village
        if found is None:
            column = row.columns.get("village", "village")
            result.add(
                row,
                column,
                _("No village of commune %(commune)s matches %(value)r.")
                % {"commune": commune.name, "value": row.village},
            )
            bad = True
        elif village is None:
            village = found
        elif found.pk != village.pk:
            result.add(
                row,
                row.columns.get("village", "village"),
                _("Another village than row %(row)d of the same household.")
                % {"row": group[0].number},
            )
            bad = True
    if bad:
        for row in group:
            if row.number not in result.raw:
                result.add(
                    row,
                    row.columns.get("number", "number"),
                    _("The household has errors in another row."),
                )
        return
    data: dict = {"village": village.code, "number": number}
    for row in group:
        for key, value in row.household_fields.items():
            data.setdefault(key, value)
    note = _household_note(group)
    if note is not None:
        data["note"] = note
    members = [dict(r.member) for r in group]
    if household is not None:
        match_members(members, residents.get(household.pk, []))
    data["members"] = members
    for row in group:
        if row.repeating:
            result.repeating += 1
    try:
        with transaction.atomic():
            saved = upsert(
                data=data, round_year=round_year, user=user, source=source, household_id=household.pk if household else None,
                partial=household is not None, reason=reason,
            )  # fmt: skip
            if result.dry_run:
                transaction.set_rollback(True)
    except (ValidationFailed, VersionConflict) as exc:
        _map_errors(exc.errors or {"non_field_errors": [exc.message]}, group, result)
        return
    if saved.created:
        result.households_created += 1
    elif saved.changed:
        result.households_updated += 1
    else:
        result.households_unchanged += 1
    created = {
        c.entity_id for c in saved.changes if c.entity == "resident" and c.action == "create"
    }
    updated = {
        c.entity_id for c in saved.changes if c.entity == "resident" and c.action == "update"
    } - created
    result.people_created += len(created)
    result.people_updated += len(updated)


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def import_file(
    path: Path,
    *,
    commune: Area,
    round_year: int,
    dry_run: bool = False,
    user=None,
    filename: str | None = None,
    reason: str = "",
    request=None,
) -> Result:
    """Read and (unless ``dry_run``) import a workbook into the commune's round; returns the result.

    Raises ``ImportRefused`` for a file that cannot be imported at all. Records
    ``import.dry_run`` or ``import.run`` in the audit log.
    """
    from audit.services import record

    if commune.kind != AreaKind.COMMUNE:
        raise ImportRefused(_("Imports are made into a commune."))
    path = Path(path)
    name = filename or path.name
    result = Result(format="", dry_run=dry_run)
    rows = read_workbook(path, round_year=round_year, result=result)
    import_rows(rows, commune=commune, round_year=round_year, result=result, user=user,
                source=f"import:{name}"[:64], reason=reason)  # fmt: skip
    summary = result.summary()
    record(
        user=user, action="import.dry_run" if dry_run else "import.run", area=commune, target=f"import:{name}"[:255],
        count=result.rows_read,
        details={k: v for k, v in summary.items() if k != "errors"} | {"round": round_year, "sha256": file_digest(path)},
        request=request,
    )  # fmt: skip
    return result


# --- the workbooks we hand out ----------------------------------------------------------------


def write_errors_workbook(result: Result, path: Path) -> None:
    """The rows that could not be imported: row number, the original values, the reasons."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Rows with errors"))
    sheet.append([_("Row"), _("Column"), _("Reason"), *result.header])
    by_row: dict[int, list[RowError]] = {}
    for error in result.errors:
        by_row.setdefault(error.row, []).append(error)
    for number in sorted(by_row):
        errors = by_row[number]
        raw = result.raw.get(number, ())
        sheet.append([
            number or "", ", ".join(dict.fromkeys(e.column for e in errors if e.column)),
            "\n".join(f"{e.column}: {e.message}" if e.column else e.message for e in errors),
            *[v if isinstance(v, (int, float, str)) or v is None else str(v) for v in raw],
        ])  # fmt: skip
    book.save(path)


def write_template(path: Path) -> None:
    """Our import template: a data sheet (Vietnamese headers, the wire keys, data from row 3)
    and an instructions sheet with the accepted values."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = OWN_SHEET
    labels = own_labels()
    bold, grey = Font(bold=True, name="Times New Roman"), Font(color="808080", size=8)
    fill = PatternFill("solid", fgColor="EEEEEE")
    for col, key in enumerate(OWN_KEYS, start=1):
        head = sheet.cell(row=1, column=col, value=labels[key])
        head.font, head.fill = bold, fill
        head.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.cell(row=2, column=col, value=key).font = grey
        sheet.column_dimensions[get_column_letter(col)].width = 16
    sheet.row_dimensions[1].height = 45
    sheet.freeze_panes = "A3"
    info = book.create_sheet(_("Instructions"))
    info.column_dimensions["A"].width = 32
    info.column_dimensions["B"].width = 100
    lines = [
        (_("How to fill in this template"), ""),
        (_("One row per person"), _("Rows with the same household number are one household; data start on row 3. Do not change row 2 (the column keys).")),
        (_("Required"), _("village code, household number, full name, sex, birth year, ethnic group, relation to the head (exactly one head per household).")),
        (_("Empty cells"), _("An empty cell never erases a value already recorded; it is left as it is.")),
        (_("Years"), _("Years are written in full (2024); dates of visits as YYYY-MM-DD.")),
        (_("Ethnic group"), _("The 2-digit GSO code (01 = Kinh) or the name.")),
    ]  # fmt: skip
    for key, choices in CHOICE_KEYS.items():
        lines.append(
            (labels[key], "; ".join(f"{value} = {label}" for value, label in choices.choices))
        )
    lines.append(
        (_("Villages"), _("Use the village codes of your commune, as the app shows them."))
    )
    for values in lines:
        info.append(list(values))
    info["A1"].font = Font(bold=True, size=13)
    for row in info.iter_rows(min_row=2):
        row[0].font = Font(bold=True)
        row[1].alignment = Alignment(wrap_text=True, vertical="top")
    book.save(path)


def new_upload_name() -> str:
    return uuid.uuid4().hex
