"""The phone checks a record with the server's rules: same errors, same paths, same messages.

The records are those of surveys/tests/test_validation.py (read from its parametrize
marks), plus a few more; each goes through surveys.validation in Python and through
field/static/field/rules.js (evaluating GET /api/rules) in Chromium.
"""

import copy

import pytest
from django.utils import translation

from surveys.tests import test_validation as cases
from surveys.validation import validate_household
from tests.factories import ROUND, child, member

EVALUATE = """async ([lang, round, records]) => {
  const { Rules } = await import('/static/field/rules.js');
  const spec = await (await fetch(`/api/rules?lang=${lang}`)).json();
  const rules = new Rules(spec, round);
  return records.map((record) => rules.household(record));
}"""


def params(test) -> list:
    return next(mark.args[1] for mark in test.pytestmark if mark.name == "parametrize")


def records() -> list[dict]:
    found = []
    for overrides, _field in params(cases.test_a_bad_member_field_is_named):
        found.append({"village": "11311-01", "number": "T-1", "members": [member(**overrides)]})
    for overrides, _field in params(cases.test_a_good_member_field_passes):
        extra = {
            "primary_completed_year": None,
            "lower_secondary_graduated_year": None,
            "upper_secondary_graduated_year": None,
            "highest_grade_completed": 0,
        }
        found.append(
            {"village": "11311-01", "number": "T-1", "members": [member(**overrides, **extra)]}
        )
    for level, good, bad in params(cases.test_the_grade_matches_the_level):
        for grade in (good, bad):
            kid = child(
                enrollment={"round": ROUND, "level": level, "grade": grade, "school": "Trường"},
                primary_completed_year=None,
                highest_grade_completed=0,
                preschool_completed_year=None,
            )
            found.append({"village": "11311-01", "number": "T-1", "members": [member(), kid]})
    for overrides, _field in params(cases.test_a_bad_household_field_is_named):
        found.append({"village": "11311-01", "number": "T-1", "members": [member()], **overrides})
    more_children = [
        {"preschool_completed_year": 2018},
        {"highest_grade_completed": 4},
        {"status": "deceased", "status_year": ROUND},
        {"status": "moved_out", "status_year": ROUND, "enrollment": None},
        {"dropped_out": {"grade": 13, "year": 2024}},
        {"dropped_out": {"grade": 5, "year": 2016}},
        {"dropped_out": "lớp 5"},
        {"birth_month": 2, "birth_day": 29, "birth_year": 2012},
        {"enrollment": {"round": ROUND, "level": "college", "grade": None}},
        {"enrollment": {"round": ROUND - 1, "level": "lower_secondary", "grade": 6, "extra": 1}},
    ]
    for overrides in more_children:
        found.append(
            {"village": "11311-01", "number": "T-1", "members": [member(), child(**overrides)]}
        )
    more_heads = [
        {"primary_completed_year": 2000},
        {"upper_secondary_graduated_year": 2000},
        {"highest_grade_completed": 8},
        {"birth_year": "1985", "birth_month": "4"},
        {"full_name": "  Nguyễn   Văn  Nam "},
        {"phone": "x"},
    ]
    for overrides in more_heads:
        found.append({"village": "11311-01", "number": "T-1", "members": [member(**overrides)]})
    first = member()
    found += [
        {"village": "V", "number": "1", "members": [member(), member(relation="head")]},
        {"village": "V", "number": "1", "members": [member(relation="spouse")]},
        {"village": "V", "number": "1", "members": [first, {**first, "relation": "child"}]},
        {"village": "V", "number": "1", "phone": "0912 345.678", "members": []},
        {"village": "V", "number": "x" * 40, "members": [None, 5]},
        [],
    ]
    return found


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_phone_and_the_server_name_the_same_errors_with_the_same_messages(page, live, lang):
    page.goto("/field/")
    data = copy.deepcopy(records())
    with translation.override(lang):
        expected = [
            validate_household(copy.deepcopy(record), round_year=ROUND)[1].as_dict()
            for record in data
        ]
    phone = page.evaluate(EVALUATE, [lang, ROUND, data])
    assert sum(1 for errors in expected if errors) > 40  # the cases are mostly impossible records
    for record, server, mine in zip(data, expected, phone, strict=True):
        assert mine == server, record
