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
