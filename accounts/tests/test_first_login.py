"""First sign-in: someone else chose the password, so the user must choose their own before anything else."""

import uuid

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import AccountEvent, FirstPassword
from accounts.tests.helpers import new_surveyor
from sync.tests.helpers import new_household_ops, push
from tests.factories import ROUND

pytestmark = pytest.mark.django_db


@pytest.fixture
def created(city, officer):
    return new_surveyor(officer, city.commune_a, villages=[city.village_a1])


def signed_in(created) -> Client:
    client = Client()
    response = client.post(
        "/login/", {"username": created.user.username, "password": created.password}
    )
    assert response.status_code == 302
    return client


def test_after_signing_in_with_a_first_password_every_page_leads_to_the_password_change(created):
    client = signed_in(created)
    home = client.get("/")
    assert home.status_code == 302 and home["Location"] == "/account/password/?next=/"
    assert client.get("/team/").status_code == 302
    page = client.get(home["Location"])
    assert page.status_code == 200
    assert "Đổi mật khẩu" in page.content.decode()


def test_api_calls_with_the_session_get_a_403_saying_to_change_the_password(created):
    client = signed_in(created)
    response = client.get(f"/api/sync/pull?cursor=0&round={ROUND}")
    assert response.status_code == 403
    body = response.json()
    assert body["errors"] == {} and "/account/password/" in body["message"]
    assert "đổi mật khẩu" in body["message"].lower()


def test_api_calls_with_a_token_get_the_same_403(created, city):
    token = Token.objects.create(user=created.user)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")
    _household_id, ops = new_household_ops(city.village_a1)
    pushed = push(client, ops, device=uuid.uuid4())
    pulled = client.get(f"/api/sync/pull?cursor=0&round={ROUND}")
    assert (pushed.status_code, pulled.status_code) == (403, 403)
    assert "/account/password/" in pulled.json()["message"]


def test_changing_the_password_lifts_the_block_and_forgets_the_first_password(created):
    client = signed_in(created)
    response = client.post(
        "/account/password/?next=/",
        {
            "old_password": created.password,
            "new_password1": "Hoa-lop5-2025",
            "new_password2": "Hoa-lop5-2025",
            "next": "/",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.get(f"/api/sync/pull?cursor=0&round={ROUND}").status_code == 200
    created.user.refresh_from_db()
    assert created.user.check_password("Hoa-lop5-2025")
    assert not created.user.account_profile.must_change_password
    assert not FirstPassword.objects.filter(user=created.user).exists()
    assert AccountEvent.objects.filter(
        target=created.user, action="password_change", actor=created.user
    ).exists()


def test_a_weak_new_password_is_refused_in_vietnamese(created):
    client = signed_in(created)
    response = client.post(
        "/account/password/",
        {
            "old_password": created.password,
            "new_password1": "12345678",
            "new_password2": "12345678",
        },
    )
    assert response.status_code == 200
    assert "mật khẩu" in response.content.decode().lower()
    created.user.refresh_from_db()
    assert created.user.check_password(created.password)


def test_the_password_change_page_refuses_a_next_address_on_another_site(created):
    client = signed_in(created)
    response = client.post(
        "/account/password/",
        {
            "old_password": created.password,
            "new_password1": "Hoa-lop5-2025",
            "new_password2": "Hoa-lop5-2025",
            "next": "https://evil.example/",
        },
    )
    assert response["Location"] == "/"


def test_a_password_reset_by_the_officer_ends_the_surveyors_session_and_asks_again(
    created, city, officer_api
):
    client = signed_in(created)
    client.post(
        "/account/password/",
        {
            "old_password": created.password,
            "new_password1": "Hoa-lop5-2025",
            "new_password2": "Hoa-lop5-2025",
        },
    )
    assert client.get("/").status_code == 200
    reset = officer_api.post(
        f"/api/team/{city.commune_a.code}/surveyors/{created.user.pk}/password-reset"
    )
    password = reset.json()["password"]
    assert client.get("/")["Location"].startswith("/login/")
    again = Client()
    again.post("/login/", {"username": created.user.username, "password": password})
    assert again.get("/")["Location"] == "/account/password/?next=/"


def test_the_field_app_shell_and_session_stay_reachable_to_show_the_message(created):
    client = signed_in(created)
    assert client.get("/field/session").status_code == 200
