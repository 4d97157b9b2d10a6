import pytest

from tests.factories import api_client, make_user


@pytest.fixture
def officer_client(city):
    return api_client(make_user("xa", "commune_officer", city.commune_a))
