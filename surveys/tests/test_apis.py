import pytest
from rest_framework.test import APIClient

from surveys.models import Household
from tests.factories import ROUND, api_client, child, household, make_household, make_user, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(city):
    return make_user("xa", "commune_officer", city.commune_a)


@pytest.fixture
def client(officer):
    return api_client(officer)


def test_it_creates_a_household_and_returns_it_in_wire_format(client, city):
    data = household(city.village_a1)
    response = client.post(f"/api/households/?round={ROUND}", data, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["id"] == data["id"] and body["village"] == "11311-01" and body["version"] == 1
    assert [m["full_name"] for m in body["members"]] == ["Nguyễn Văn Nam", "Nguyễn Thị Hương"]
    assert body["members"][1]["enrollment"] == data["members"][1]["enrollment"]
    assert body["visit"] == {"round": ROUND, "date": "2025-09-14"}


def test_errors_name_the_field_in_vietnamese(client, city):
    data = household(city.village_a1, members=[member(), child(birth_year=2026)])
    response = client.post(f"/api/households/?round={ROUND}", data, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["message"] == "Một số trường không hợp lệ."
    assert body["errors"]["members.1.birth_year"] == ["Năm sinh phải từ 1900 đến 2025."]


def test_errors_are_in_english_when_asked(client, city):
    data = household(city.village_a1, members=[member(), child(birth_year=2026)])
    response = client.post(
        f"/api/households/?round={ROUND}", data, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.json()["errors"]["members.1.birth_year"] == [
        "The birth year must be between 1900 and 2025."
    ]


def test_posting_an_existing_id_is_refused(client, city):
    data = household(city.village_a1)
    assert client.post(f"/api/households/?round={ROUND}", data, format="json").status_code == 201
    response = client.post(f"/api/households/?round={ROUND}", data, format="json")
    assert response.status_code == 400 and "id" in response.json()["errors"]


def test_it_updates_with_put_and_patch_and_detects_stale_versions(client, city):
    created = make_household(city.village_a1)
    url = f"/api/households/{created.pk}/?round={ROUND}"
    body = client.get(url).json()
    body["note"] = "Đã sửa"
    response = client.put(url, body, format="json")
    assert response.status_code == 200 and response.json()["version"] == 2
    response = client.patch(url, {"phone": "0987654321", "version": 2}, format="json")
    assert response.status_code == 200 and response.json()["phone"] == "0987654321"
    stale = client.patch(url, {"phone": "0911111111", "version": 2}, format="json")
    assert stale.status_code == 409 and "version" in stale.json()["errors"]
    assert Household.objects.get(pk=created.pk).phone == "0987654321"


def test_the_list_searches_names_without_diacritics(client, city):
    make_household(city.village_a1, "T-1", members=[member(full_name="Đặng Thị Hương")])
    make_household(city.village_a1, "T-2", members=[member(full_name="Trần Văn Bình")])
    response = client.get(f"/api/households/?round={ROUND}&q=dang thi HUONG")
    assert [h["number"] for h in response.json()["results"]] == ["T-1"]
    response = client.get(f"/api/households/?round={ROUND}&q=binh")
    assert [h["number"] for h in response.json()["results"]] == ["T-2"]


def test_the_list_filters_by_village_and_not_yet_visited(client, city):
    make_household(city.village_a1, "T-1")
    make_household(city.village_a2, "T-2", visit=None)
    by_village = client.get(f"/api/households/?round={ROUND}&village=11311-02").json()
    assert [h["number"] for h in by_village["results"]] == ["T-2"]
    not_visited = client.get(f"/api/households/?round={ROUND}&not_visited=true").json()
    assert [h["number"] for h in not_visited["results"]] == ["T-2"]
    next_round = client.get(f"/api/households/?round={ROUND + 1}&not_visited=1").json()
    assert next_round["count"] == 2


def test_the_list_is_paginated_with_bounded_queries(client, city, django_assert_max_num_queries):
    for n in range(12):
        make_household(city.village_a1, f"T-{n:02d}")
    with django_assert_max_num_queries(10):
        response = client.get(f"/api/households/?round={ROUND}&page_size=5")
    body = response.json()
    assert body["count"] == 12 and len(body["results"]) == 5 and body["next"]


def test_a_bad_query_parameter_is_a_400_naming_it(client):
    response = client.get("/api/households/?round=abc")
    assert response.status_code == 400 and "round" in response.json()["errors"]


def test_token_auth_round_trip(city):
    make_user("gv", "surveyor", city.village_a1, password="mật-khẩu-thử-123")
    anonymous = APIClient()
    assert anonymous.get("/api/households/").status_code in (401, 403)
    wrong = anonymous.post("/api/auth/token/", {"username": "gv", "password": "sai"}, format="json")
    assert wrong.status_code == 400 and wrong.json()["message"]
    response = anonymous.post(
        "/api/auth/token/", {"username": "gv", "password": "mật-khẩu-thử-123"}, format="json"
    )
    token = response.json()["token"]
    assert response.status_code == 200 and len(token) == 40
    anonymous.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert anonymous.get("/api/households/").status_code == 200
    assert anonymous.get("/api/me/").json()["memberships"][0]["role"] == "surveyor"


def test_session_auth_requires_csrf(city):
    user = make_user("xa2", "commune_officer", city.commune_a)
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(user)
    response = browser.post(
        f"/api/households/?round={ROUND}", household(city.village_a1), format="json"
    )
    assert response.status_code == 403
    assert not Household.objects.exists()
