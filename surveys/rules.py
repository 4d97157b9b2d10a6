"""The consistency rules of the wire format v1 as data: one source for the server and the phone.

``surveys.validation`` takes every constant, choice list and message from here,
and ``GET /api/rules`` ships :func:`rules_spec` (this module as JSON) to the field
app, whose small evaluator (``field/static/field/rules.js``) applies the same spec
offline. A rule changed here changes on both sides; nothing is written twice.

Values that depend on the survey round are written as ``ROUND`` ("round") and
resolved by the evaluator with the round's year. Messages are gettext strings
with ``%(name)d``/``%(name)s``/``%(name)r`` placeholders, shipped translated.
"""

import csv
from functools import cache

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from surveys.models import Disability, Level, Relation, Residence, Sex, Status

SPEC_VERSION = 1
ROUND = "round"  # stands for the survey round's year in ranges and message parameters

MESSAGES = {
    # reading values
    "text": _("Must be text."),
    "required": _("This field is required."),
    "max_length": _("At most %(n)d characters."),
    "unknown_value": _("Unknown value %(value)r; use one of: %(allowed)s."),
    "integer": _("Must be a whole number."),
    "uuid": _("Must be a UUID."),
    "unknown_field": _("Unknown field."),
    "object": _("Must be an object."),
    "list": _("Must be a list."),
    # household
    "household_object": _("A household must be a JSON object."),
    "phone": _("A phone number has 8 to 15 digits."),
    "members_max": _("At most %(n)d members per household."),
    "member_twice": _("The same member appears twice."),
    "heads_many": _("A household has exactly one head; %(n)d are marked."),
    "heads_none": _("A household has exactly one head; none is marked."),
    # visit
    "visit_object": _("Must be an object with round and date."),
    "visit_round": _("The visit belongs to round %(year)d."),
    "date": _("Must be a date (YYYY-MM-DD)."),
    "visit_date_range": _("The visit date must fall in school year %(y1)d–%(y2)d."),
    # member
    "birth_year_range": _("The birth year must be between 1900 and %(year)d."),
    "birth_month_range": _("The birth month must be between 1 and 12."),
    "birth_day_needs_month": _("A birth day needs a birth month."),
    "not_a_date": _("%(d)d/%(m)d/%(y)d is not a date."),
    "birth_day_range": _("The birth day must be between 1 and 31."),
    "ethnicity": _("Unknown ethnic group code %(code)r (2-digit GSO code)."),
    "national_id": _("The national ID number has 12 digits."),
    "status_year_required": _("The year of the move or death is required."),
    "status_year_present": _("Only a move or a death has a year."),
    "year_between": _("The year must be between %(a)d and %(b)d."),
    "milestone_min": _("The year must be at least the birth year + 5 (%(y)d)."),
    "milestone_max": _("The year cannot be after the survey round (%(y)d)."),
    "milestone_order": _("Must come after %(field)s (%(year)d)."),
    "grade_completed_range": _("The highest grade completed is between 0 and 12."),
    "grade_after_lower_secondary": _("A lower-secondary graduate has completed at least grade 9."),
    "grade_after_primary": _("Someone who completed primary has completed at least grade 5."),
    "literacy_stage": _("The literacy stage is 0, 1 or 2."),
    "dropped_out_object": _("Must be null or an object with grade and year."),
    "grade_range": _("The grade must be between 1 and 12."),
    "enrollment_object": _("Must be null or an object with round, level, grade and school."),
    "enrollment_round": _("The enrollment belongs to round %(year)d."),
    "level_no_grade": _("Level “%(level)s” has no grade."),
    "level_grade_range": _("For level “%(level)s” the grade must be %(a)d–%(b)d."),
    "enrolled_gone": _("A person who moved out or died cannot be enrolled in this round."),
}

CHOICES = {
    "residence": Residence,
    "sex": Sex,
    "relation": Relation,
    "status": Status,
    "disability": Disability,
    "level": Level,
}

PHONE_PATTERN = r"^\+?[0-9]{8,15}$"
NATIONAL_ID_PATTERN = r"^[0-9]{12}$"
MAX_MEMBERS = 60

# Field specs. ``type``: text | choice | integer | uuid | object. ``default`` is
# used when the value is missing (a choice without default is required). An
# integer ``range`` is ``[min, max, message, params]``; a failing value is
# reported and then treated as missing (like a bad birth year). A field with a
# ``check`` is then checked against the fields before it by that named rule
# (``birth_day``, ``status_year``, ``milestone``), which applies its own range.
HOUSEHOLD_FIELDS = {
    "id": {"type": "uuid"},
    "village": {"type": "text", "max_length": 32, "required": True},
    "number": {"type": "text", "max_length": 32, "required": True},
    "address": {"type": "text", "max_length": 255},
    "residence": {"type": "choice", "choices": "residence", "default": Residence.PERMANENT.value},
    "phone": {
        "type": "text",
        "max_length": 20,
        "remove": " .",
        "pattern": PHONE_PATTERN,
        "message": "phone",
    },
    "note": {"type": "text", "max_length": 2000},
}
HOUSEHOLD_KEYS = (*HOUSEHOLD_FIELDS, "visit", "members")
EXTRA_KEYS = ("version",)  # accepted and ignored (the API sends records back with their version)

VISIT_DATE_YEARS = (0, 1)  # the visit of round Y falls in calendar years Y … Y + 1

MILESTONES = (
    "preschool_completed_year",
    "primary_completed_year",
    "lower_secondary_graduated_year",
    "upper_secondary_graduated_year",
)
MILESTONE_LABELS = {
    "preschool_completed_year": _("the preschool completion year"),
    "primary_completed_year": _("the primary completion year"),
    "lower_secondary_graduated_year": _("the lower-secondary graduation year"),
    "upper_secondary_graduated_year": _("the upper-secondary graduation year"),
}
MILESTONE_MIN_AGE = 5  # a milestone (and a drop-out) happens at the age of 5 or later
MILESTONE_ORDER = MILESTONES[1:]  # strictly increasing years (preschool is not ordered)

MEMBER_FIELDS = {
    "id": {"type": "uuid"},
    "full_name": {"type": "text", "max_length": 100, "required": True, "clean": "name"},
    "sex": {"type": "choice", "choices": "sex"},
    "birth_year": {
        "type": "integer",
        "required": True,
        "range": [1900, ROUND, "birth_year_range", {"year": ROUND}],
    },
    "birth_month": {"type": "integer", "range": [1, 12, "birth_month_range", {}]},
    "birth_day": {"type": "integer", "check": "birth_day", "range": [1, 31, "birth_day_range", {}]},
    "ethnicity": {
        "type": "text",
        "max_length": 2,
        "required": True,
        "codes": "ethnicity",
        "message": "ethnicity",
    },
    "relation": {"type": "choice", "choices": "relation"},
    "national_id": {
        "type": "text",
        "max_length": 12,
        "pattern": NATIONAL_ID_PATTERN,
        "message": "national_id",
    },
    "guardian_name": {"type": "text", "max_length": 100, "clean": "name"},
    "status": {"type": "choice", "choices": "status", "default": Status.PRESENT.value},
    "status_year": {"type": "integer", "check": "status_year"},
    "disability": {"type": "choice", "choices": "disability", "default": Disability.NONE.value},
    **{name: {"type": "integer", "check": "milestone"} for name in MILESTONES},
    "highest_grade_completed": {"type": "integer", "default": 0},
    "literacy_stage": {
        "type": "integer",
        "default": 0,
        "one_of": [0, 1, 2],
        "message": "literacy_stage",
    },
    "dropped_out": {"type": "object", "message": "dropped_out_object"},
    "enrollment": {"type": "object", "message": "enrollment_object"},
}

GRADE_COMPLETED_RANGE = (0, 12)
# Checked in this order; the first that fails is reported.
GRADE_COMPLETED_MINIMA = (
    ("lower_secondary_graduated_year", 9, "grade_after_lower_secondary"),
    ("primary_completed_year", 5, "grade_after_primary"),
)
STATUS_WITHOUT_YEAR = Status.PRESENT.value  # every other status needs the year of the move or death
GONE_STATUSES = (Status.MOVED_OUT.value, Status.DECEASED.value)  # not enrolled in the round

DROPPED_OUT_FIELDS = {
    "grade": {"type": "integer", "required": True},
    "year": {"type": "integer", "required": True},
}
DROPPED_OUT_GRADES = (1, 12)

ENROLLMENT_FIELDS = {
    "round": {"type": "integer", "default": ROUND},
    "level": {"type": "choice", "choices": "level"},
    "grade": {"type": "integer"},
    "school": {"type": "text", "max_length": 200},
}
# Grades allowed per level (None: the level has no grade). Preschool "grades" are age groups.
LEVEL_GRADES: dict[str, tuple[int, ...] | None] = {
    Level.NONE.value: None,
    Level.PRESCHOOL.value: (3, 4, 5),
    Level.PRIMARY.value: tuple(range(1, 6)),
    Level.LOWER_SECONDARY.value: tuple(range(6, 10)),
    Level.UPPER_SECONDARY.value: tuple(range(10, 13)),
    Level.CONTINUING_UPPER.value: tuple(range(10, 13)),
    Level.VOCATIONAL.value: None,
    Level.HIGHER.value: None,
}
NOT_ENROLLED = Level.NONE.value
MEMBER_HEAD = Relation.HEAD.value  # exactly one per household

# What the form offers by age (age = round year − birth year), so that a 5-year-old
# sees preschool choices and a 30-year-old the literacy fields. These only choose
# what is shown first; the rules above decide what is valid, and a field holding a
# value is always shown.
FORM_BY_AGE = [
    {"ages": [0, 2], "levels": ["none"], "sections": []},
    {"ages": [3, 5], "levels": ["none", "preschool"], "sections": ["enrollment", "milestones"]},
    {
        "ages": [6, 10],
        "levels": ["none", "preschool", "primary"],
        "sections": ["enrollment", "milestones", "schooling"],
    },
    {
        "ages": [11, 14],
        "levels": ["none", "primary", "lower_secondary"],
        "sections": ["enrollment", "milestones", "schooling", "dropped_out"],
    },
    {
        "ages": [15, 18],
        "levels": ["none", "lower_secondary", "upper_secondary", "continuing_upper", "vocational"],
        "sections": ["enrollment", "milestones", "schooling", "dropped_out", "literacy"],
    },
    {
        "ages": [19, 35],
        "levels": ["none", "continuing_upper", "vocational", "higher"],
        "sections": ["enrollment", "milestones", "schooling", "literacy"],
    },
    {
        "ages": [36, 60],
        "levels": ["none", "continuing_upper", "vocational", "higher"],
        "sections": ["milestones", "schooling", "literacy"],
    },
    {"ages": [61, 200], "levels": ["none"], "sections": ["milestones", "schooling"]},
]
# The milestones a form offers by age (a milestone can only be reached at MILESTONE_MIN_AGE).
MILESTONE_FROM_AGE = {
    "preschool_completed_year": 5,
    "primary_completed_year": 10,
    "lower_secondary_graduated_year": 14,
    "upper_secondary_graduated_year": 17,
}


@cache
def ethnic_groups() -> dict[str, str]:
    """GSO code → name, in the order of the file."""
    with open(settings.ETHNIC_GROUPS_CSV, encoding="utf-8") as handle:
        return {row["code"]: row["name"] for row in csv.DictReader(handle)}


def message(key: str) -> str:
    """A rule's message in the active language."""
    return str(MESSAGES[key])


def _choices(enum) -> list[dict]:
    return [{"value": value, "label": str(label)} for value, label in enum.choices]


def rules_spec() -> dict:
    """This module as JSON, messages and labels in the active language (GET /api/rules)."""
    return {
        "version": SPEC_VERSION,
        "round": ROUND,
        "messages": {key: str(text) for key, text in MESSAGES.items()},
        "choices": {
            **{name: _choices(enum) for name, enum in CHOICES.items()},
            "ethnicity": [{"value": code, "label": name} for code, name in ethnic_groups().items()],
        },
        "extra_keys": list(EXTRA_KEYS),
        "household": {
            "fields": HOUSEHOLD_FIELDS,
            "keys": list(HOUSEHOLD_KEYS),
            "max_members": MAX_MEMBERS,
        },
        "visit": {"date_years": list(VISIT_DATE_YEARS)},
        "member": {
            "fields": MEMBER_FIELDS,
            "milestones": list(MILESTONES),
            "milestone_labels": {key: str(label) for key, label in MILESTONE_LABELS.items()},
            "milestone_min_age": MILESTONE_MIN_AGE,
            "milestone_order": list(MILESTONE_ORDER),
            "grade_completed_range": list(GRADE_COMPLETED_RANGE),
            "grade_completed_minima": [list(rule) for rule in GRADE_COMPLETED_MINIMA],
            "status_without_year": STATUS_WITHOUT_YEAR,
            "gone_statuses": list(GONE_STATUSES),
            "head": MEMBER_HEAD,
        },
        "dropped_out": {"fields": DROPPED_OUT_FIELDS, "grades": list(DROPPED_OUT_GRADES)},
        "enrollment": {
            "fields": ENROLLMENT_FIELDS,
            "level_grades": {
                level: list(grades) if grades else None for level, grades in LEVEL_GRADES.items()
            },
            "not_enrolled": NOT_ENROLLED,
        },
        "form": {"by_age": FORM_BY_AGE, "milestone_from_age": MILESTONE_FROM_AGE},
    }
