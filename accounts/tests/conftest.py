import pytest
from django.test import Client

from tests.factories import api_client, make_user


@pytest.fixture
def officer(city):
    return make_user("xa-a", "commune_officer", city.commune_a)


@pytest.fixture
def officer_page(officer):
    client = Client()
    client.force_login(officer)
    return client


@pytest.fixture
def officer_api(officer):
    return api_client(officer)


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client
