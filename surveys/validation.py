"""Validation of the wire format v1 (DOMAIN.md §4): parse, clean, and name every error.

``validate_household(data, round_year=Y)`` returns ``(clean, errors)``. ``errors``
maps a field path (``"number"``, ``"members.2.birth_year"``, ``"visit.date"``) to a
list of messages in the active language (Vietnamese by default). The same rules
serve the REST API, the imports and (later) the sync protocol.
"""

import csv
import datetime as dt
import re
import uuid
from collections import defaultdict
from functools import cache
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from surveys.models import Disability, Level, Relation, Residence, Sex, Status
from surveys.text import clean_name

HOUSEHOLD_FIELDS = ("id", "village", "number", "address", "residence", "phone", "note", "visit", "members")
MILESTONES = (
    "preschool_completed_year",
    "primary_completed_year",
    "lower_secondary_graduated_year",
    "upper_secondary_graduated_year",
)
MILESTONE_LABELS = {
    "preschool_completed_year": gettext_lazy("the preschool completion year"),
    "primary_completed_year": gettext_lazy("the primary completion year"),
    "lower_secondary_graduated_year": gettext_lazy("the lower-secondary graduation year"),
    "upper_secondary_graduated_year": gettext_lazy("the upper-secondary graduation year"),
}
MEMBER_FIELDS = (
    "id", "full_name", "sex", "birth_year", "birth_month", "birth_day", "ethnicity", "relation",
    "national_id", "guardian_name", "status", "status_year", "disability", *MILESTONES,
    "highest_grade_completed", "literacy_stage", "dropped_out", "enrollment",
)
# Grades allowed per level (None: the level has no grade).
LEVEL_GRADES: dict[str, set | None] = {
    Level.NONE: None,
    Level.PRESCHOOL: {3, 4, 5},
    Level.PRIMARY: set(range(1, 6)),
    Level.LOWER_SECONDARY: set(range(6, 10)),
    Level.UPPER_SECONDARY: set(range(10, 13)),
    Level.CONTINUING_UPPER: set(range(10, 13)),
    Level.VOCATIONAL: None,
    Level.HIGHER: None,
}
PHONE_RE = re.compile(r"^\+?[0-9]{8,15}$")
NATIONAL_ID_RE = re.compile(r"^[0-9]{12}$")
MAX_MEMBERS = 60


@cache
def ethnic_codes() -> dict[str, str]:
    with open(settings.ETHNIC_GROUPS_CSV, encoding="utf-8") as handle:
        return {row["code"]: row["name"] for row in csv.DictReader(handle)}


class Errors:
    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = defaultdict(list)

    def add(self, path: str, message: str) -> None:
        self.by_field[path].append(message)

    def has(self, path: str) -> bool:
        return path in self.by_field

    def __bool__(self) -> bool:
        return bool(self.by_field)

    def as_dict(self) -> dict[str, list[str]]:
        return dict(self.by_field)


class _Reader:
    """Reads typed values from one JSON object, recording errors under a path prefix."""

    def __init__(self, data: dict, errors: Errors, prefix: str = "") -> None:
        self.data, self.errors, self.prefix = data, errors, prefix

    def path(self, key: str) -> str:
        return f"{self.prefix}{key}"

    def error(self, key: str, message: str) -> None:
        self.errors.add(self.path(key), message)

    def text(self, key: str, *, max_length: int, required: bool = False, default: str = "") -> str:
        value = self.data.get(key)
        if value is None:
            value = default
        if not isinstance(value, str):
            self.error(key, _("Must be text."))
            return default
        value = clean_name(value) if key.endswith("name") else value.strip()
        if required and not value:
            self.error(key, _("This field is required."))
        elif len(value) > max_length:
            self.error(key, _("At most %(n)d characters.") % {"n": max_length})
        return value

    def choice(self, key: str, choices, *, default: str | None = None) -> str | None:
        value = self.data.get(key)
        if value is None or value == "":
            if default is None:
                self.error(key, _("This field is required."))
            return default
        if value not in choices.values:
            allowed = ", ".join(choices.values)
            self.error(key, _("Unknown value %(value)r; use one of: %(allowed)s.") % {"value": value, "allowed": allowed})
            return default
        return value

    def integer(self, key: str, *, required: bool = False, default: int | None = None) -> int | None:
        value = self.data.get(key)
        if value is None or value == "":
            if required:
                self.error(key, _("This field is required."))
            return default
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(key, _("Must be a whole number."))
            return default
        return value

    def uuid(self, key: str) -> uuid.UUID | None:
        value = self.data.get(key)
        if value is None or value == "":
            return None
        try:
            return uuid.UUID(str(value))
        except ValueError:
            self.error(key, _("Must be a UUID."))
            return None


def _check_unknown_keys(data: dict, allowed: tuple, errors: Errors, prefix: str, extra: tuple = ()) -> None:
    for key in data:
        if key not in allowed and key not in extra:
            errors.add(f"{prefix}{key}", _("Unknown field."))


def _parse_visit(value: Any, *, round_year: int, errors: Errors) -> dict | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        errors.add("visit", _("Must be an object with round and date."))
        return None
    reader = _Reader(value, errors, "visit.")
    year = reader.integer("round", default=round_year)
    if year is not None and year != round_year:
        reader.error("round", _("The visit belongs to round %(year)d.") % {"year": round_year})
    raw = value.get("date")
    date = None
    if not raw:
        reader.error("date", _("This field is required."))
    else:
        try:
            date = dt.date.fromisoformat(str(raw))
        except ValueError:
            reader.error("date", _("Must be a date (YYYY-MM-DD)."))
    if date is not None and not round_year <= date.year <= round_year + 1:
        reader.error(
            "date", _("The visit date must fall in school year %(y1)d–%(y2)d.") % {"y1": round_year, "y2": round_year + 1}
        )
    return {"round": round_year, "date": date}


def _parse_birth(reader: _Reader, round_year: int) -> tuple[int | None, int | None, int | None]:
    year = reader.integer("birth_year", required=True)
    if year is not None and not 1900 <= year <= round_year:
        reader.error("birth_year", _("The birth year must be between 1900 and %(year)d.") % {"year": round_year})
        year = None
    month = reader.integer("birth_month")
    if month is not None and not 1 <= month <= 12:
        reader.error("birth_month", _("The birth month must be between 1 and 12."))
        month = None
    day = reader.integer("birth_day")
    if day is not None:
        if month is None and not reader.errors.has(reader.path("birth_month")):
            reader.error("birth_day", _("A birth day needs a birth month."))
        elif month is not None and year is not None:
            try:
                dt.date(year, month, day)
            except ValueError:
                reader.error("birth_day", _("%(d)d/%(m)d/%(y)d is not a date.") % {"d": day, "m": month, "y": year})
        elif not 1 <= day <= 31:
            reader.error("birth_day", _("The birth day must be between 1 and 31."))
    return year, month, day


def _parse_milestones(reader: _Reader, member: dict, round_year: int) -> None:
    birth_year = member["birth_year"]
    for key in MILESTONES:
        year = reader.integer(key)
        member[key] = year
        if year is None or birth_year is None:
            continue
        if year < birth_year + 5:
            reader.error(key, _("The year must be at least the birth year + 5 (%(y)d).") % {"y": birth_year + 5})
        elif year > round_year:
            reader.error(key, _("The year cannot be after the survey round (%(y)d).") % {"y": round_year})
    order = [k for k in MILESTONES[1:] if member[k] is not None]
    for earlier, later in zip(order, order[1:], strict=False):
        if member[earlier] >= member[later] and not reader.errors.has(reader.path(later)):
            reader.error(
                later, _("Must come after %(field)s (%(year)d).") % {"field": MILESTONE_LABELS[earlier], "year": member[earlier]}
            )


def _parse_dropped_out(reader: _Reader, birth_year: int | None, round_year: int) -> tuple[int | None, int | None]:
    value = reader.data.get("dropped_out")
    if value is None:
        return None, None
    if not isinstance(value, dict):
        reader.error("dropped_out", _("Must be null or an object with grade and year."))
        return None, None
    sub = _Reader(value, reader.errors, reader.path("dropped_out."))
    grade = sub.integer("grade", required=True)
    if grade is not None and not 1 <= grade <= 12:
        sub.error("grade", _("The grade must be between 1 and 12."))
    year = sub.integer("year", required=True)
    if year is not None and birth_year is not None and not birth_year + 5 <= year <= round_year:
        sub.error("year", _("The year must be between %(a)d and %(b)d.") % {"a": birth_year + 5, "b": round_year})
    return grade, year


def _parse_enrollment(reader: _Reader, round_year: int) -> dict | None:
    value = reader.data.get("enrollment")
    if value is None:
        return None
    if not isinstance(value, dict):
        reader.error("enrollment", _("Must be null or an object with round, level, grade and school."))
        return None
    sub = _Reader(value, reader.errors, reader.path("enrollment."))
    _check_unknown_keys(value, ("round", "level", "grade", "school"), reader.errors, sub.prefix)
    year = sub.integer("round", default=round_year)
    if year is not None and year != round_year:
        sub.error("round", _("The enrollment belongs to round %(year)d.") % {"year": round_year})
    level = sub.choice("level", Level)
    grade = sub.integer("grade")
    if level is not None:
        allowed = LEVEL_GRADES[level]
        if allowed is None and grade is not None:
            sub.error("grade", _("Level “%(level)s” has no grade.") % {"level": Level(level).label})
        elif allowed is not None and grade not in allowed:
            sub.error(
                "grade",
                _("For level “%(level)s” the grade must be %(a)d–%(b)d.")
                % {"level": Level(level).label, "a": min(allowed), "b": max(allowed)},
            )
    school = sub.text("school", max_length=200)
    return {"round": round_year, "level": level, "grade": grade, "school": school}


def _parse_member(data: Any, index: int, *, round_year: int, errors: Errors) -> dict | None:
    prefix = f"members.{index}."
    if not isinstance(data, dict):
        errors.add(f"members.{index}", _("Must be an object."))
        return None
    _check_unknown_keys(data, MEMBER_FIELDS, errors, prefix, extra=("version",))
    r = _Reader(data, errors, prefix)
    member: dict[str, Any] = {"id": r.uuid("id")}
    member["full_name"] = r.text("full_name", max_length=100, required=True)
    member["sex"] = r.choice("sex", Sex)
    member["birth_year"], member["birth_month"], member["birth_day"] = _parse_birth(r, round_year)
    member["ethnicity"] = r.text("ethnicity", max_length=2, required=True, default="")
    if member["ethnicity"] and member["ethnicity"] not in ethnic_codes():
        r.error("ethnicity", _("Unknown ethnic group code %(code)r (2-digit GSO code).") % {"code": member["ethnicity"]})
    member["relation"] = r.choice("relation", Relation)
    member["national_id"] = r.text("national_id", max_length=12)
    if member["national_id"] and not NATIONAL_ID_RE.match(member["national_id"]):
        r.error("national_id", _("The national ID number has 12 digits."))
    member["guardian_name"] = r.text("guardian_name", max_length=100)
    member["status"] = r.choice("status", Status, default=Status.PRESENT)
    member["status_year"] = r.integer("status_year")
    _check_status_year(r, member, round_year)
    member["disability"] = r.choice("disability", Disability, default=Disability.NONE)
    _parse_milestones(r, member, round_year)
    member["highest_grade_completed"] = r.integer("highest_grade_completed", default=0)
    _check_grade_completed(r, member)
    member["literacy_stage"] = r.integer("literacy_stage", default=0)
    if member["literacy_stage"] not in (0, 1, 2):
        r.error("literacy_stage", _("The literacy stage is 0, 1 or 2."))
    member["dropped_out_grade"], member["dropped_out_year"] = _parse_dropped_out(r, member["birth_year"], round_year)
    member["enrollment"] = _parse_enrollment(r, round_year)
    _check_enrolled_status(r, member)
    return member


def _check_status_year(r: _Reader, member: dict, round_year: int) -> None:
    status, year = member["status"], member["status_year"]
    if status is None:
        return
    if status != Status.PRESENT and year is None:
        r.error("status_year", _("The year of the move or death is required."))
    elif status == Status.PRESENT and year is not None:
        r.error("status_year", _("Only a move or a death has a year."))
    elif year is not None and member["birth_year"] is not None and not member["birth_year"] <= year <= round_year:
        r.error("status_year", _("The year must be between %(a)d and %(b)d.") % {"a": member["birth_year"], "b": round_year})


def _check_grade_completed(r: _Reader, member: dict) -> None:
    grade = member["highest_grade_completed"]
    if grade is None:
        return
    if not 0 <= grade <= 12:
        r.error("highest_grade_completed", _("The highest grade completed is between 0 and 12."))
    elif member["lower_secondary_graduated_year"] is not None and grade < 9:
        r.error("highest_grade_completed", _("A lower-secondary graduate has completed at least grade 9."))
    elif member["primary_completed_year"] is not None and grade < 5:
        r.error("highest_grade_completed", _("Someone who completed primary has completed at least grade 5."))


def _check_enrolled_status(r: _Reader, member: dict) -> None:
    enrollment = member["enrollment"]
    if enrollment and enrollment["level"] not in (None, Level.NONE) and member["status"] in (Status.MOVED_OUT, Status.DECEASED):
        r.error("enrollment", _("A person who moved out or died cannot be enrolled in this round."))


def _check_members(members: list, errors: Errors) -> None:
    seen: set = set()
    for index, member in enumerate(members):
        if member and member["id"] is not None:
            if member["id"] in seen:
                errors.add(f"members.{index}.id", _("The same member appears twice."))
            seen.add(member["id"])
    heads = [m for m in members if m and m["relation"] == Relation.HEAD]
    if len(heads) > 1:
        errors.add("members", _("A household has exactly one head; %(n)d are marked.") % {"n": len(heads)})
    elif members and not heads and all(m for m in members):
        errors.add("members", _("A household has exactly one head; none is marked."))


def _parse_household_fields(data: dict, errors: Errors) -> dict:
    r = _Reader(data, errors)
    clean: dict[str, Any] = {"id": r.uuid("id")}
    clean["village"] = r.text("village", max_length=32, required=True)
    clean["number"] = r.text("number", max_length=32, required=True)
    clean["address"] = r.text("address", max_length=255)
    clean["residence"] = r.choice("residence", Residence, default=Residence.PERMANENT)
    clean["phone"] = r.text("phone", max_length=20).replace(" ", "").replace(".", "")
    if clean["phone"] and not PHONE_RE.match(clean["phone"]):
        r.error("phone", _("A phone number has 8 to 15 digits."))
    clean["note"] = r.text("note", max_length=2000)
    return clean


def validate_household(data: Any, *, round_year: int) -> tuple[dict, Errors]:
    """Check one wire-format household (with its members) for round ``round_year``."""
    errors = Errors()
    if not isinstance(data, dict):
        errors.add("non_field_errors", _("A household must be a JSON object."))
        return {}, errors
    _check_unknown_keys(data, HOUSEHOLD_FIELDS, errors, "", extra=("version",))
    clean = _parse_household_fields(data, errors)
    clean["visit"] = _parse_visit(data.get("visit"), round_year=round_year, errors=errors)
    raw_members = data.get("members", [])
    if not isinstance(raw_members, list):
        errors.add("members", _("Must be a list."))
        raw_members = []
    elif len(raw_members) > MAX_MEMBERS:
        errors.add("members", _("At most %(n)d members per household.") % {"n": MAX_MEMBERS})
        raw_members = []
    members = [_parse_member(m, i, round_year=round_year, errors=errors) for i, m in enumerate(raw_members)]
    _check_members(members, errors)
    clean["members"] = members
    return clean, errors


def validate_household_fields(data: Any, *, round_year: int) -> tuple[dict, Errors]:
    """Check a household's own fields (no members, no visit): the sync's household.upsert."""
    errors = Errors()
    if not isinstance(data, dict):
        errors.add("non_field_errors", _("A household must be a JSON object."))
        return {}, errors
    _check_unknown_keys(data, HOUSEHOLD_FIELDS[:-2], errors, "", extra=("version",))
    return _parse_household_fields(data, errors), errors


def validate_member(data: Any, *, round_year: int) -> tuple[dict, Errors]:
    """Check one member on its own (the sync's resident.upsert); paths have no prefix."""
    errors = Errors()
    if not isinstance(data, dict):
        errors.add("non_field_errors", _("Must be an object."))
        return {}, errors
    extra = {k: v for k, v in data.items() if k not in ("household",)}
    member = _parse_member(extra, 0, round_year=round_year, errors=errors)
    unprefixed = Errors()
    for path, messages in errors.by_field.items():
        for message in messages:
            unprefixed.add(path.removeprefix("members.0.") if path != "members.0" else "non_field_errors", message)
    return member or {}, unprefixed


def validate_visit(data: Any, *, round_year: int) -> tuple[dict | None, Errors]:
    """Check a visit ``{"round", "date"}`` on its own (the sync's visit.record)."""
    errors = Errors()
    return _parse_visit(data, round_year=round_year, errors=errors), errors


def head_count_warning(relations: list[str]) -> str | None:
    """The household-level head rule as a warning (sync applies members one at a time)."""
    heads = sum(1 for relation in relations if relation == Relation.HEAD)
    if heads > 1:
        return _("A household has exactly one head; %(n)d are marked.") % {"n": heads}
    if relations and heads == 0:
        return _("A household has exactly one head; none is marked.")
    return None
