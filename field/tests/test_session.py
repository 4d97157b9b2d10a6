"""Signing in from the app: JSON, CSRF-protected, Vietnamese errors, the user's villages."""

import pytest
from django.test import Client

from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser():
    return Client(enforce_csrf_checks=True)


def csrf(browser) -> str:
    response = browser.get("/field/session")
    assert response.json() == {"user": None, "round": response.json()["round"]}
    return response.cookies["csrftoken"].value


def test_signing_in_returns_the_user_and_their_villages(browser, city):
    make_user("gv", "surveyor", city.village_a1, password="mật-khẩu-thử-123")
    token = csrf(browser)
    response = browser.post(
        "/field/session",
        {"username": "gv", "password": "mật-khẩu-thử-123"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 200
    user = response.json()["user"]
    assert user["username"] == "gv" and user["memberships"][0]["role"] == "surveyor"
    assert user["villages"] == [
        {
            "code": "11311-01",
            "name": "Tổ dân phố 1",
            "commune": "11311",
            "commune_name": "Phường Lê Chân",
        }
    ]
    assert browser.get("/api/me/").status_code == 200  # the session works for the API too


def test_a_wrong_password_is_refused_in_vietnamese(browser, city):
    make_user("gv", "surveyor", city.village_a1, password="mật-khẩu-thử-123")
    token = csrf(browser)
    response = browser.post(
        "/field/session",
        {"username": "gv", "password": "sai"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 400
    assert response.json()["errors"]["non_field_errors"] == [
        "Tên đăng nhập hoặc mật khẩu không đúng."
    ]


def test_signing_in_needs_the_csrf_token(browser, city):
    make_user("gv", "surveyor", city.village_a1, password="mật-khẩu-thử-123")
    csrf(browser)
    response = browser.post(
        "/field/session",
        {"username": "gv", "password": "mật-khẩu-thử-123"},
        content_type="application/json",
    )
    assert response.status_code == 403


def test_signing_out_ends_the_session(browser, city):
    make_user("gv", "surveyor", city.village_a1, password="mật-khẩu-thử-123")
    token = csrf(browser)
    browser.post(
        "/field/session",
        {"username": "gv", "password": "mật-khẩu-thử-123"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    token = browser.cookies["csrftoken"].value  # rotated at sign-in
    assert browser.delete("/field/session", HTTP_X_CSRFTOKEN=token).json()["user"] is None
    assert browser.get("/api/me/").status_code == 403


def test_the_roster_size_counts_what_the_first_download_brings(client, city):
    from tests.factories import make_household

    make_household(city.village_a1, "T01-001")
    make_household(city.village_a2, "T02-001")
    client.force_login(make_user("gv", "surveyor", city.village_a1))
    assert client.get("/api/field/roster-size").json() == {"households": 1, "residents": 2}
