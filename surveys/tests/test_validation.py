"""Each consistency rule of DOMAIN.md §4 with a passing and a failing case."""

import pytest

from surveys.validation import validate_household
from tests.factories import ROUND, child, member


def errors_for(**member_overrides) -> dict:
    data = {"village": "11311-01", "number": "T-1", "members": [member(**member_overrides)]}
    return validate_household(data, round_year=ROUND)[1].as_dict()


def child_errors(**overrides) -> dict:
    data = {"village": "11311-01", "number": "T-1", "members": [member(), child(**overrides)]}
    return validate_household(data, round_year=ROUND)[1].as_dict()


def test_a_complete_household_is_valid():
    assert errors_for() == {}
    assert child_errors() == {}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"birth_year": 1899}, "birth_year"),
        ({"birth_year": ROUND + 1}, "birth_year"),
        ({"birth_year": None}, "birth_year"),
        ({"birth_year": "năm"}, "birth_year"),
        ({"birth_month": 13}, "birth_month"),
        ({"birth_month": 2, "birth_day": 30}, "birth_day"),
        ({"birth_month": None, "birth_day": 5}, "birth_day"),
        ({"sex": "other"}, "sex"),
        ({"relation": "cousin"}, "relation"),
        ({"ethnicity": "99"}, "ethnicity"),
        ({"national_id": "12345"}, "national_id"),
        ({"national_id": "03108500012a"}, "national_id"),
        ({"status": "moved_out", "status_year": None}, "status_year"),
        ({"status": "present", "status_year": 2020}, "status_year"),
        ({"status": "deceased", "status_year": 1970}, "status_year"),
        ({"disability": "blind"}, "disability"),
        ({"literacy_stage": 3}, "literacy_stage"),
        ({"highest_grade_completed": 13}, "highest_grade_completed"),
        ({"full_name": "  "}, "full_name"),
        ({"full_name": "x" * 101}, "full_name"),
        ({"nickname": "Tí"}, "nickname"),
    ],
)
def test_a_bad_member_field_is_named(overrides, field):
    assert f"members.0.{field}" in errors_for(**overrides)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"birth_year": 2020, "birth_month": None, "birth_day": None}, "birth_year"),
        ({"status": "moved_out", "status_year": 2024}, "status_year"),
        ({"status": "moved_in", "status_year": 2025}, "status_year"),
        ({"national_id": "031085000123"}, "national_id"),
        ({"disability": "cannot_study"}, "disability"),
    ],
)
def test_a_good_member_field_passes(overrides, field):
    errors = errors_for(
        **overrides,
        primary_completed_year=None,
        lower_secondary_graduated_year=None,
        upper_secondary_graduated_year=None,
        highest_grade_completed=0,
    )
    assert not any(key.startswith(f"members.0.{field}") for key in errors)


def test_a_milestone_year_is_at_least_birth_year_plus_5():
    assert "members.1.preschool_completed_year" in child_errors(preschool_completed_year=2018)
    assert "members.1.preschool_completed_year" not in child_errors(preschool_completed_year=2019)


def test_a_milestone_year_is_not_after_the_round():
    errors = errors_for(
        primary_completed_year=None,
        lower_secondary_graduated_year=None,
        upper_secondary_graduated_year=ROUND + 1,
    )
    assert "members.0.upper_secondary_graduated_year" in errors
    assert errors_for(upper_secondary_graduated_year=ROUND) == {}


def test_primary_comes_before_lower_secondary_before_upper_secondary():
    assert "members.0.lower_secondary_graduated_year" in errors_for(primary_completed_year=2000)
    assert "members.0.upper_secondary_graduated_year" in errors_for(
        upper_secondary_graduated_year=2000
    )
    assert errors_for(primary_completed_year=1996, lower_secondary_graduated_year=2000) == {}


def test_highest_grade_follows_the_diplomas():
    assert "members.0.highest_grade_completed" in errors_for(highest_grade_completed=8)
    assert "members.1.highest_grade_completed" in child_errors(highest_grade_completed=4)
    assert child_errors(highest_grade_completed=5) == {}
    assert errors_for(highest_grade_completed=9, upper_secondary_graduated_year=None) == {}


@pytest.mark.parametrize(
    ("level", "good", "bad"),
    [
        ("preschool", 5, 1),
        ("primary", 1, 6),
        ("lower_secondary", 9, 5),
        ("upper_secondary", 10, 9),
        ("continuing_upper", 12, 13),
        ("vocational", None, 10),
        ("higher", None, 1),
        ("none", None, 3),
    ],
)
def test_the_grade_matches_the_level(level, good, bad):
    def enrollment(grade):
        return {"round": ROUND, "level": level, "grade": grade, "school": "Trường"}

    kid = {
        "primary_completed_year": None,
        "highest_grade_completed": 0,
        "preschool_completed_year": None,
    }
    assert "members.1.enrollment.grade" not in child_errors(enrollment=enrollment(good), **kid)
    assert "members.1.enrollment.grade" in child_errors(enrollment=enrollment(bad), **kid)


def test_an_enrollment_names_its_level_and_round():
    assert "members.1.enrollment.level" in child_errors(
        enrollment={"round": ROUND, "level": "college", "grade": None}
    )
    assert "members.1.enrollment.round" in child_errors(
        enrollment={"round": ROUND - 1, "level": "lower_secondary", "grade": 6}
    )


@pytest.mark.parametrize("status", ["deceased", "moved_out"])
def test_nobody_gone_is_enrolled(status):
    assert "members.1.enrollment" in child_errors(status=status, status_year=ROUND)
    assert "members.1.enrollment" not in child_errors(
        status=status,
        status_year=ROUND,
        enrollment={"round": ROUND, "level": "none", "grade": None, "school": ""},
    )
    assert "members.1.enrollment" not in child_errors(status="moved_in", status_year=ROUND)


def test_dropped_out_is_checked():
    assert "members.1.dropped_out.grade" in child_errors(dropped_out={"grade": 13, "year": 2024})
    assert "members.1.dropped_out.year" in child_errors(dropped_out={"grade": 5, "year": 2016})
    assert "members.1.dropped_out" in child_errors(dropped_out="lớp 5")
    assert child_errors(dropped_out={"grade": 5, "year": 2024}) == {}


def test_a_household_has_exactly_one_head():
    two_heads = {"village": "V", "number": "1", "members": [member(), member(relation="head")]}
    assert "members" in validate_household(two_heads, round_year=ROUND)[1].as_dict()
    no_head = {"village": "V", "number": "1", "members": [member(relation="spouse")]}
    assert "members" in validate_household(no_head, round_year=ROUND)[1].as_dict()
    one_head = {"village": "V", "number": "1", "members": [member(), child()]}
    assert validate_household(one_head, round_year=ROUND)[1].as_dict() == {}


def test_a_member_listed_twice_is_refused():
    first = member()
    data = {"village": "V", "number": "1", "members": [first, {**first, "relation": "child"}]}
    assert "members.1.id" in validate_household(data, round_year=ROUND)[1].as_dict()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"number": ""}, "number"),
        ({"village": ""}, "village"),
        ({"residence": "nomad"}, "residence"),
        ({"phone": "12ab"}, "phone"),
        ({"visit": {"round": ROUND, "date": "14/09/2025"}}, "visit.date"),
        ({"visit": {"round": ROUND, "date": "2023-09-14"}}, "visit.date"),
        ({"visit": {"round": ROUND - 1, "date": "2025-09-14"}}, "visit.round"),
        ({"members": "none"}, "members"),
        ({"id": "not-a-uuid"}, "id"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_a_bad_household_field_is_named(overrides, field):
    data = {"village": "11311-01", "number": "T-1", "members": [member()], **overrides}
    assert field in validate_household(data, round_year=ROUND)[1].as_dict()


def test_a_household_that_is_not_an_object_is_refused():
    assert "non_field_errors" in validate_household([], round_year=ROUND)[1].as_dict()


def test_numbers_given_as_digit_strings_are_accepted():
    clean, errors = validate_household(
        {"village": "V", "number": "1", "members": [member(birth_year="1985", birth_month="4")]},
        round_year=ROUND,
    )
    assert errors.as_dict() == {} and clean["members"][0]["birth_year"] == 1985
