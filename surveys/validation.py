"""Validation of the wire format v1 (DOMAIN.md §4): parse, clean, and name every error.

``validate_household(data, round_year=Y)`` returns ``(clean, errors)``. ``errors``
maps a field path (``"number"``, ``"members.2.birth_year"``, ``"visit.date"``) to a
list of messages in the active language (Vietnamese by default). The same rules
serve the REST API, the imports and the sync protocol.

Every constant, choice list and message comes from ``surveys.rules``, the spec the
field app evaluates offline (``GET /api/rules``): change a rule there, not here.
"""

import datetime as dt
import re
import uuid
from collections import defaultdict
from functools import cache
from typing import Any

from surveys import rules
from surveys.models import Level
from surveys.rules import CHOICES, MILESTONE_LABELS, ROUND, message
from surveys.text import clean_name

# Names kept for callers; the values live in surveys.rules.
HOUSEHOLD_FIELDS = rules.HOUSEHOLD_KEYS
MEMBER_FIELDS = tuple(rules.MEMBER_FIELDS)
LEVEL_GRADES = rules.LEVEL_GRADES
MAX_MEMBERS = rules.MAX_MEMBERS
MILESTONES = rules.MILESTONES


def ethnic_codes() -> dict[str, str]:
    return rules.ethnic_groups()


@cache
def _pattern(regex: str) -> re.Pattern:
    return re.compile(regex)


def _resolve(value, round_year: int):
    return round_year if value == ROUND else value


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

    def error(self, key: str, text: str) -> None:
        self.errors.add(self.path(key), text)

    def text(
        self,
        key: str,
        *,
        max_length: int,
        required: bool = False,
        default: str = "",
        clean: str | None = None,
    ) -> str:
        value = self.data.get(key)
        if value is None:
            value = default
        if not isinstance(value, str):
            self.error(key, message("text"))
            return default
        value = clean_name(value) if clean == "name" else value.strip()
        if required and not value:
            self.error(key, message("required"))
        elif len(value) > max_length:
            self.error(key, message("max_length") % {"n": max_length})
        return value

    def choice(self, key: str, choices, *, default: str | None = None) -> str | None:
        value = self.data.get(key)
        if value is None or value == "":
            if default is None:
                self.error(key, message("required"))
            return default
        if value not in choices.values:
            allowed = ", ".join(choices.values)
            self.error(key, message("unknown_value") % {"value": value, "allowed": allowed})
            return default
        return value

    def integer(
        self, key: str, *, required: bool = False, default: int | None = None
    ) -> int | None:
        value = self.data.get(key)
        if value is None or value == "":
            if required:
                self.error(key, message("required"))
            return default
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(key, message("integer"))
            return default
        return value

    def uuid(self, key: str) -> uuid.UUID | None:
        value = self.data.get(key)
        if value is None or value == "":
            return None
        try:
            return uuid.UUID(str(value))
        except ValueError:
            self.error(key, message("uuid"))
            return None

    def field(self, key: str, spec: dict, round_year: int):
        """One scalar field read and checked by its spec (surveys.rules)."""
        kind = spec["type"]
        if kind == "uuid":
            return self.uuid(key)
        if kind == "choice":
            return self.choice(key, CHOICES[spec["choices"]], default=spec.get("default"))
        if kind == "text":
            return self._checked_text(key, spec)
        value = self.integer(
            key,
            required=spec.get("required", False),
            default=_resolve(spec.get("default"), round_year),
        )
        if value is not None and "range" in spec and "check" not in spec:
            low, high, key_, params = spec["range"]
            if not _resolve(low, round_year) <= value <= _resolve(high, round_year):
                self.error(
                    key,
                    message(key_) % {name: _resolve(v, round_year) for name, v in params.items()},
                )
                value = None
        if "one_of" in spec and value not in spec["one_of"]:
            self.error(key, message(spec["message"]))
        return value

    def _checked_text(self, key: str, spec: dict) -> str:
        value = self.text(
            key,
            max_length=spec["max_length"],
            required=spec.get("required", False),
            clean=spec.get("clean"),
        )
        for char in spec.get("remove", ""):
            value = value.replace(char, "")
        if value and "pattern" in spec and not _pattern(spec["pattern"]).match(value):
            self.error(key, message(spec["message"]))
        if value and "codes" in spec and value not in ethnic_codes():
            self.error(key, message(spec["message"]) % {"code": value})
        return value


def _check_unknown_keys(
    data: dict, allowed, errors: Errors, prefix: str, extra: tuple = ()
) -> None:
    for key in data:
        if key not in allowed and key not in extra:
            errors.add(f"{prefix}{key}", message("unknown_field"))


def _parse_visit(value: Any, *, round_year: int, errors: Errors) -> dict | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        errors.add("visit", message("visit_object"))
        return None
    reader = _Reader(value, errors, "visit.")
    year = reader.integer("round", default=round_year)
    if year is not None and year != round_year:
        reader.error("round", message("visit_round") % {"year": round_year})
    raw = value.get("date")
    date = None
    if not raw:
        reader.error("date", message("required"))
    else:
        try:
            date = dt.date.fromisoformat(str(raw))
        except ValueError:
            reader.error("date", message("date"))
    first, last = (round_year + offset for offset in rules.VISIT_DATE_YEARS)
    if date is not None and not first <= date.year <= last:
        reader.error("date", message("visit_date_range") % {"y1": first, "y2": last})
    return {"round": round_year, "date": date}


def _check_birth_day(r: _Reader, member: dict) -> None:
    day, month, year = member["birth_day"], member["birth_month"], member["birth_year"]
    if day is None:
        return
    if month is None and not r.errors.has(r.path("birth_month")):
        r.error("birth_day", message("birth_day_needs_month"))
    elif month is not None and year is not None:
        try:
            dt.date(year, month, day)
        except (ValueError, OverflowError):
            r.error("birth_day", message("not_a_date") % {"d": day, "m": month, "y": year})
    else:
        low, high, key, _params = rules.MEMBER_FIELDS["birth_day"]["range"]
        if not low <= day <= high:
            r.error("birth_day", message(key))


def _check_milestone(r: _Reader, member: dict, key: str, round_year: int) -> None:
    year, birth_year = member[key], member["birth_year"]
    if year is None or birth_year is None:
        return
    if year < birth_year + rules.MILESTONE_MIN_AGE:
        r.error(key, message("milestone_min") % {"y": birth_year + rules.MILESTONE_MIN_AGE})
    elif year > round_year:
        r.error(key, message("milestone_max") % {"y": round_year})


def _check_milestone_order(r: _Reader, member: dict) -> None:
    order = [k for k in rules.MILESTONE_ORDER if member[k] is not None]
    for earlier, later in zip(order, order[1:], strict=False):
        if member[earlier] >= member[later] and not r.errors.has(r.path(later)):
            r.error(
                later,
                message("milestone_order")
                % {"field": MILESTONE_LABELS[earlier], "year": member[earlier]},
            )


def _parse_dropped_out(
    reader: _Reader, birth_year: int | None, round_year: int
) -> tuple[int | None, int | None]:
    value = reader.data.get("dropped_out")
    if value is None:
        return None, None
    if not isinstance(value, dict):
        reader.error("dropped_out", message(rules.MEMBER_FIELDS["dropped_out"]["message"]))
        return None, None
    sub = _Reader(value, reader.errors, reader.path("dropped_out."))
    grade = sub.field("grade", rules.DROPPED_OUT_FIELDS["grade"], round_year)
    low, high = rules.DROPPED_OUT_GRADES
    if grade is not None and not low <= grade <= high:
        sub.error("grade", message("grade_range"))
    year = sub.field("year", rules.DROPPED_OUT_FIELDS["year"], round_year)
    first = None if birth_year is None else birth_year + rules.MILESTONE_MIN_AGE
    if year is not None and first is not None and not first <= year <= round_year:
        sub.error("year", message("year_between") % {"a": first, "b": round_year})
    return grade, year


def _parse_enrollment(reader: _Reader, round_year: int) -> dict | None:
    value = reader.data.get("enrollment")
    if value is None:
        return None
    if not isinstance(value, dict):
        reader.error("enrollment", message(rules.MEMBER_FIELDS["enrollment"]["message"]))
        return None
    sub = _Reader(value, reader.errors, reader.path("enrollment."))
    _check_unknown_keys(value, rules.ENROLLMENT_FIELDS, reader.errors, sub.prefix)
    fields = rules.ENROLLMENT_FIELDS
    year = sub.field("round", fields["round"], round_year)
    if year is not None and year != round_year:
        sub.error("round", message("enrollment_round") % {"year": round_year})
    level = sub.field("level", fields["level"], round_year)
    grade = sub.field("grade", fields["grade"], round_year)
    if level is not None:
        allowed = LEVEL_GRADES[level]
        if allowed is None and grade is not None:
            sub.error("grade", message("level_no_grade") % {"level": Level(level).label})
        elif allowed is not None and grade not in allowed:
            sub.error(
                "grade",
                message("level_grade_range")
                % {"level": Level(level).label, "a": min(allowed), "b": max(allowed)},
            )
    school = sub.field("school", fields["school"], round_year)
    return {"round": round_year, "level": level, "grade": grade, "school": school}


def _parse_member(data: Any, index: int, *, round_year: int, errors: Errors) -> dict | None:
    prefix = f"members.{index}."
    if not isinstance(data, dict):
        errors.add(f"members.{index}", message("object"))
        return None
    _check_unknown_keys(data, rules.MEMBER_FIELDS, errors, prefix, extra=rules.EXTRA_KEYS)
    r = _Reader(data, errors, prefix)
    member: dict[str, Any] = {}
    for key, spec in rules.MEMBER_FIELDS.items():
        if spec["type"] != "object":
            member[key] = r.field(key, spec, round_year)
        check = spec.get("check")
        if check == "birth_day":
            _check_birth_day(r, member)
        elif check == "status_year":
            _check_status_year(r, member, round_year)
        elif check == "milestone":
            _check_milestone(r, member, key, round_year)
    _check_milestone_order(r, member)
    _check_grade_completed(r, member)
    member["dropped_out_grade"], member["dropped_out_year"] = _parse_dropped_out(
        r, member["birth_year"], round_year
    )
    member["enrollment"] = _parse_enrollment(r, round_year)
    _check_enrolled_status(r, member)
    return member


def _check_status_year(r: _Reader, member: dict, round_year: int) -> None:
    status, year = member["status"], member["status_year"]
    if status is None:
        return
    if status != rules.STATUS_WITHOUT_YEAR and year is None:
        r.error("status_year", message("status_year_required"))
    elif status == rules.STATUS_WITHOUT_YEAR and year is not None:
        r.error("status_year", message("status_year_present"))
    elif (
        year is not None
        and member["birth_year"] is not None
        and not member["birth_year"] <= year <= round_year
    ):
        r.error(
            "status_year", message("year_between") % {"a": member["birth_year"], "b": round_year}
        )


def _check_grade_completed(r: _Reader, member: dict) -> None:
    grade = member["highest_grade_completed"]
    if grade is None:
        return
    low, high = rules.GRADE_COMPLETED_RANGE
    if not low <= grade <= high:
        r.error("highest_grade_completed", message("grade_completed_range"))
        return
    for milestone, minimum, key in rules.GRADE_COMPLETED_MINIMA:
        if member[milestone] is not None and grade < minimum:
            r.error("highest_grade_completed", message(key))
            return


def _check_enrolled_status(r: _Reader, member: dict) -> None:
    enrollment = member["enrollment"]
    if (
        enrollment
        and enrollment["level"] not in (None, rules.NOT_ENROLLED)
        and member["status"] in rules.GONE_STATUSES
    ):
        r.error("enrollment", message("enrolled_gone"))


def _check_members(members: list, errors: Errors) -> None:
    seen: set = set()
    for index, member in enumerate(members):
        if member and member["id"] is not None:
            if member["id"] in seen:
                errors.add(f"members.{index}.id", message("member_twice"))
            seen.add(member["id"])
    warning = head_count_warning(
        [m["relation"] for m in members if m], complete=all(m for m in members)
    )
    if warning:
        errors.add("members", warning)


def _parse_household_fields(data: dict, errors: Errors, round_year: int = 0) -> dict:
    r = _Reader(data, errors)
    return {key: r.field(key, spec, round_year) for key, spec in rules.HOUSEHOLD_FIELDS.items()}


def validate_household(data: Any, *, round_year: int) -> tuple[dict, Errors]:
    """Check one wire-format household (with its members) for round ``round_year``."""
    errors = Errors()
    if not isinstance(data, dict):
        errors.add("non_field_errors", message("household_object"))
        return {}, errors
    _check_unknown_keys(data, HOUSEHOLD_FIELDS, errors, "", extra=rules.EXTRA_KEYS)
    clean = _parse_household_fields(data, errors, round_year)
    clean["visit"] = _parse_visit(data.get("visit"), round_year=round_year, errors=errors)
    raw_members = data.get("members", [])
    if not isinstance(raw_members, list):
        errors.add("members", message("list"))
        raw_members = []
    elif len(raw_members) > MAX_MEMBERS:
        errors.add("members", message("members_max") % {"n": MAX_MEMBERS})
        raw_members = []
    members = [
        _parse_member(m, i, round_year=round_year, errors=errors) for i, m in enumerate(raw_members)
    ]
    _check_members(members, errors)
    clean["members"] = members
    return clean, errors


def validate_household_fields(data: Any, *, round_year: int) -> tuple[dict, Errors]:
    """Check a household's own fields (no members, no visit): the sync's household.upsert."""
    errors = Errors()
    if not isinstance(data, dict):
        errors.add("non_field_errors", message("household_object"))
        return {}, errors
    _check_unknown_keys(data, rules.HOUSEHOLD_FIELDS, errors, "", extra=rules.EXTRA_KEYS)
    return _parse_household_fields(data, errors, round_year), errors


def validate_member(data: Any, *, round_year: int) -> tuple[dict, Errors]:
    """Check one member on its own (the sync's resident.upsert); paths have no prefix."""
    errors = Errors()
    if not isinstance(data, dict):
        errors.add("non_field_errors", message("object"))
        return {}, errors
    extra = {k: v for k, v in data.items() if k not in ("household",)}
    member = _parse_member(extra, 0, round_year=round_year, errors=errors)
    unprefixed = Errors()
    for path, messages in errors.by_field.items():
        for text in messages:
            unprefixed.add(
                path.removeprefix("members.0.") if path != "members.0" else "non_field_errors", text
            )
    return member or {}, unprefixed


def validate_visit(data: Any, *, round_year: int) -> tuple[dict | None, Errors]:
    """Check a visit ``{"round", "date"}`` on its own (the sync's visit.record)."""
    errors = Errors()
    return _parse_visit(data, round_year=round_year, errors=errors), errors


def head_count_warning(relations: list[str], *, complete: bool = True) -> str | None:
    """The household-level head rule (an error on a whole household, a warning in sync,
    which applies members one at a time). ``complete``: every member could be read."""
    heads = sum(1 for relation in relations if relation == rules.MEMBER_HEAD)
    if heads > 1:
        return message("heads_many") % {"n": heads}
    if relations and heads == 0 and complete:
        return message("heads_none")
    return None
