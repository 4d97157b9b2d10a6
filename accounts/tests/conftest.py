import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import make_user


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
    client = APIClient()
    client.force_authenticate(officer)
    return client


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client
