import pytest

from tests.factories import api_client, make_user


@pytest.fixture
def officer(city):
    return make_user("xa", "commune_officer", city.commune_a)


@pytest.fixture
def supervisor(city):
    return make_user("huyen", "district_supervisor", city.district)


@pytest.fixture
def supervisor_client(supervisor):
    return api_client(supervisor)
