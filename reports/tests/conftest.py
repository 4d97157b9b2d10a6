"""A small hand-built city: known people in two villages of commune A and one of commune B."""

import pytest

from indicators.rulebook import rules_named
from indicators.services import area_refresh
from indicators.tests.helpers import good_commune, people
from tests.factories import ROUND


@pytest.fixture
def populated(city):
    """Commune A: village A1 complete, village A2 with gaps; commune B complete (ĐBKK)."""
    good_commune(city.village_a1, per_age=2)
    good_commune(city.village_b1)
    a2 = city.village_a2
    people(a2, 3, age=5, level="preschool", grade=5, sex="female", ethnicity="02")
    people(a2, 1, age=5)  # not attending
    people(a2, 2, age=6, level="primary", grade=1, preschool_completed_year=ROUND)
    people(a2, 1, age=6)  # not in grade 1, not completed preschool
    people(a2, 2, age=11, level="primary", grade=5)  # not completed, still in primary
    people(
        a2,
        1,
        age=12,
        level="lower_secondary",
        grade=7,
        primary_completed_year=ROUND - 1,
        sex="female",
    )
    people(
        a2,
        1,
        age=13,
        level="lower_secondary",
        grade=8,
        primary_completed_year=ROUND - 2,
        disability="can_study",
    )
    people(a2, 1, age=9, disability="can_study")  # disabled, not accessing education
    people(a2, 1, age=8, level="primary", grade=3, disability="cannot_study")
    people(
        a2,
        2,
        age=16,
        primary_completed_year=ROUND - 5,
        dropped_out_grade=8,
        dropped_out_year=ROUND - 1,
        highest_grade_completed=7,
    )
    people(
        a2,
        1,
        age=17,
        level="vocational",
        primary_completed_year=ROUND - 6,
        lower_secondary_graduated_year=ROUND - 2,
        highest_grade_completed=9,
        ethnicity="04",
        sex="female",
    )
    people(a2, 2, age=30, highest_grade_completed=2)  # illiterate level 1
    people(a2, 1, age=45, highest_grade_completed=4)  # literate 1, illiterate 2
    people(a2, 1, age=22, literacy_stage=1)
    area_refresh(area=city.city, round_year=ROUND)
    return city


@pytest.fixture
def rules(db):
    return rules_named(None)
