"""Hand-built populations: residents created directly (fast, exact), figures recomputed."""

import itertools

from indicators import selectors, services
from indicators.rulebook import rules_named
from surveys.models import Enrollment, Household, Resident, Round
from tests.factories import ROUND

_numbers = itertools.count(1)


def people(
    village,
    n: int = 1,
    *,
    age: int | None = None,
    level: str | None = None,
    grade: int | None = None,
    names: list[str] | None = None,
    household: Household | None = None,
    **fields,
) -> list[Resident]:
    """``n`` residents of one new household in ``village`` aged ``age`` in the round, enrolled at ``level``."""
    Round.objects.get_or_create(year=ROUND)
    commune = village.parent
    if household is None:
        household = Household.objects.create(
            village=village, commune=commune, number=f"X{next(_numbers):05d}"
        )
    values = {
        "sex": "male",
        "relation": "child",
        "birth_year": ROUND - age if age is not None else 1990,
        **fields,
    }
    residents = Resident.objects.bulk_create(
        [
            Resident(
                household=household,
                commune=commune,
                full_name=names[i] if names else f"Người Thử {i}",
                **values,
            )
            for i in range(n)
        ]
    )
    if level:
        Enrollment.objects.bulk_create(
            [Enrollment(resident=r, round_id=ROUND, level=level, grade=grade) for r in residents]
        )
    return residents


def figures(area, rules: str | None = None) -> dict:
    """Recount the area from scratch and read its figures as the API shows them."""
    Round.objects.get_or_create(year=ROUND)
    services.area_refresh(area=area, round_year=ROUND)
    return selectors.figures_get(area=area, round_year=ROUND, rules=rules_named(rules))


def condition(figs: dict, programme: str, level: int, key: str) -> dict:
    found = figs["standards"][programme]["levels"][level - 1]["conditions"]
    return next(c for c in found if c.get("indicator", c.get("flag")) == key)


def good_commune(village, *, per_age: int = 1) -> None:
    """A commune that meets every level: each cohort complete, everyone 19–60 schooled."""
    people(village, per_age, age=5, level="preschool", grade=5)
    people(village, per_age, age=6, level="primary", grade=1, preschool_completed_year=ROUND)
    for age in range(7, 11):
        people(
            village,
            per_age,
            age=age,
            level="primary",
            grade=age - 5,
            preschool_completed_year=ROUND - age + 6,
        )
    for age in range(11, 15):
        people(
            village,
            per_age,
            age=age,
            level="lower_secondary",
            grade=age - 5,
            primary_completed_year=ROUND - age + 11,
            highest_grade_completed=age - 6,
        )
    for age in range(15, 19):
        people(
            village,
            per_age,
            age=age,
            level="upper_secondary",
            grade=age - 5,
            primary_completed_year=ROUND - age + 11,
            lower_secondary_graduated_year=ROUND - age + 15,
            highest_grade_completed=age - 6,
        )
    for age in range(19, 61, 7):
        people(
            village,
            per_age,
            age=age,
            primary_completed_year=ROUND - age + 11,
            lower_secondary_graduated_year=ROUND - age + 15,
            highest_grade_completed=9,
        )
