import pytest

from tests.factories import ROUND, api_client, child, make_household, make_user, member


@pytest.fixture
def people(city):
    """Households in commune A (villages A1, A2), commune B and another city, with Vietnamese names."""
    made = {}
    made["a1"] = make_household(
        city.village_a1,
        "A1-001",
        members=[
            member(full_name="Nguyễn Văn Nam", national_id="031085001234"),
            child(full_name="Nguyễn Thị Hương", national_id=""),
        ],
    )
    made["a1b"] = make_household(
        city.village_a1,
        "A1-002",
        members=[
            member(full_name="Đặng Văn Ân", birth_year=1980),
            child(full_name="Đặng Thị Hường", birth_year=2014),
        ],
    )
    made["a2"] = make_household(
        city.village_a2,
        "A2-001",
        members=[
            member(full_name="Trần Văn Ba", birth_year=1979),
            child(
                full_name="Trần Thị Hà",
                birth_year=2014,
                enrollment={
                    "round": ROUND,
                    "level": "lower_secondary",
                    "grade": 6,
                    "school": "THCS Lê Chân",
                },
            ),
        ],
    )
    made["b1"] = make_household(
        city.village_b1,
        "B1-001",
        members=[
            member(full_name="Lê Văn Hùng", birth_year=1975),
            child(full_name="Lê Thị Hương", birth_year=2013),
        ],
    )
    made["other"] = make_household(
        city.other_village,
        "O-001",
        members=[
            member(full_name="Phạm Văn Hương", birth_year=1970),
        ],
    )
    return made


@pytest.fixture
def officer(city):
    return make_user("xa", "commune_officer", city.commune_a)


@pytest.fixture
def officer_client(officer):
    return api_client(officer)


@pytest.fixture
def district(city):
    return make_user("huyen", "district_supervisor", city.district)


@pytest.fixture
def city_staff(city):
    return make_user("tp", "city_staff", city.city)
