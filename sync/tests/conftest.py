import pytest
from rest_framework.test import APIClient

from tests.factories import make_user


@pytest.fixture
def surveyor(city):
    return make_user("gv", "surveyor", city.village_a1)


@pytest.fixture
def phone(surveyor):
    client = APIClient()
    client.force_authenticate(surveyor)
    return client


@pytest.fixture
def officer_client(city):
    client = APIClient()
    client.force_authenticate(make_user("xa", "commune_officer", city.commune_a))
    return client
