"""A deactivated account cannot sign in or sync, by token or by session."""

import uuid

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.services import account_set_active
from sync.tests.helpers import new_household_ops, push
from tests.factories import ROUND, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def surveyor(city):
    return make_user("gv-om", "surveyor", city.village_a1)


def test_a_deactivated_users_token_cannot_push_or_pull(city, officer, surveyor):
    token = Token.objects.create(user=surveyor)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get(f"/api/sync/pull?cursor=0&round={ROUND}").status_code == 200
    account_set_active(actor=officer, commune=city.commune_a, user=surveyor, active=False)
    _household_id, ops = new_household_ops(city.village_a1)
    pushed = push(client, ops, device=uuid.uuid4())
    pulled = client.get(f"/api/sync/pull?cursor=0&round={ROUND}")
    assert pushed.status_code in (401, 403) and pulled.status_code in (401, 403)
    assert "results" not in pushed.json() and "changes" not in pulled.json()


def test_a_deactivated_users_kept_token_is_refused_even_if_not_deleted(city, officer, surveyor):
    token = Token.objects.create(user=surveyor)
    surveyor.is_active = False
    surveyor.save(update_fields=["is_active"])
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get(f"/api/sync/pull?cursor=0&round={ROUND}").status_code in (401, 403)


def test_a_deactivated_users_browser_session_ends_and_sync_is_refused(city, officer, surveyor):
    client = Client()
    client.post("/login/", {"username": "gv-om", "password": "mật-khẩu-thử-123"})
    assert client.get(f"/api/sync/pull?cursor=0&round={ROUND}").status_code == 200
    account_set_active(actor=officer, commune=city.commune_a, user=surveyor, active=False)
    assert client.get(f"/api/sync/pull?cursor=0&round={ROUND}").status_code in (401, 403)
    assert client.get("/")["Location"].startswith("/login/")


def test_a_deactivated_user_cannot_sign_in(city, officer, surveyor):
    account_set_active(actor=officer, commune=city.commune_a, user=surveyor, active=False)
    response = Client().post("/login/", {"username": "gv-om", "password": "mật-khẩu-thử-123"})
    assert response.status_code == 200  # the form again, with an error
    token = APIClient().post(
        "/api/auth/token/", {"username": "gv-om", "password": "mật-khẩu-thử-123"}, format="json"
    )
    assert token.status_code == 400


def test_deactivating_from_the_surveyors_page_works(city, officer, officer_page, surveyor):
    response = officer_page.post(
        f"/team/{city.commune_a.code}/surveyors/{surveyor.pk}/", {"action": "deactivate"}
    )
    assert response.status_code == 302
    surveyor.refresh_from_db()
    assert not surveyor.is_active
