import pytest

from dedup.detect import residents_check
from surveys.models import Resident
from tests.factories import ROUND, area, make_household, make_user, member


@pytest.fixture
def commune_c(city):
    """A second commune of the district (a neighbour of commune A)."""
    commune = area("11312", "Phường Trại Cau", "commune", city.district)
    return area("11312-01", "Tổ dân phố 1", "village", commune)


def person(**overrides) -> dict:
    """A head of household, no national ID unless given, schooling that fits the birth year."""
    born = overrides.get("birth_year", 1985)
    schooling = {
        "primary_completed_year": born + 11, "lower_secondary_graduated_year": born + 15,
        "upper_secondary_graduated_year": born + 18,
    }  # fmt: skip
    return member(**{**schooling, **overrides})


def add_person(village, number: str, **overrides) -> Resident:
    """A one-person household in ``village`` holding a person with these fields."""
    data = person(**overrides)
    make_household(village, number, members=[data])
    return Resident.objects.get(pk=data["id"])


def check(*residents) -> dict:
    return residents_check(resident_ids=[r.pk for r in residents], round_year=ROUND)


@pytest.fixture
def officer(city):
    return make_user("can-bo-xa", "commune_officer", city.commune_a)


@pytest.fixture
def supervisor(city):
    return make_user("giam-sat-huyen", "district_supervisor", city.district)
