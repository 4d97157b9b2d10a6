"""Role × scope × endpoint: every role, in and out of scope, on every endpoint.

The fixture city has a district with commune A (villages A1, A2), commune B
directly under the city (village B1), and another city (village X1). Out of scope
is a 404 (or, for a create, a field error on ``village``); anonymous is 401/403.
"""

import uuid

import pytest
from rest_framework.test import APIClient

from tests.factories import ROUND, household, make_household, make_user

pytestmark = pytest.mark.django_db

ROLES = {
    "surveyor": ("village_a1", {"village_a1"}),
    "commune_officer": ("commune_a", {"village_a1", "village_a2"}),
    "district_supervisor": ("district", {"village_a1", "village_a2"}),
    "city_staff": ("city", {"village_a1", "village_a2", "village_b1"}),
}
VILLAGES = ["village_a1", "village_a2", "village_b1", "other_village"]
CASES = [(role, village) for role in ROLES for village in VILLAGES]


@pytest.fixture
def world(city):
    households = {name: make_household(getattr(city, name), f"H-{name}") for name in VILLAGES}
    return city, households


def client_for(city, role: str) -> APIClient:
    area_name, _visible = ROLES[role]
    api = APIClient()
    api.force_authenticate(make_user(f"user-{role}", role, getattr(city, area_name)))
    return api


@pytest.mark.parametrize("role", ROLES)
def test_the_list_shows_exactly_the_households_in_scope(world, role):
    city, households = world
    body = client_for(city, role).get(f"/api/households/?round={ROUND}").json()
    assert {h["id"] for h in body["results"]} == {str(households[v].pk) for v in ROLES[role][1]}


@pytest.mark.parametrize(("role", "village"), CASES)
def test_detail_read_is_200_in_scope_and_404_out(world, role, village):
    city, households = world
    response = client_for(city, role).get(
        f"/api/households/{households[village].pk}/?round={ROUND}"
    )
    assert response.status_code == (200 if village in ROLES[role][1] else 404)


@pytest.mark.parametrize(("role", "village"), CASES)
def test_put_is_200_in_scope_and_404_out(world, role, village):
    city, households = world
    api = client_for(city, role)
    url = f"/api/households/{households[village].pk}/?round={ROUND}"
    data = household(
        getattr(city, village), f"H-{village}", id=str(households[village].pk), note="sửa"
    )
    response = api.put(url, data, format="json")
    assert response.status_code == (200 if village in ROLES[role][1] else 404)


@pytest.mark.parametrize(("role", "village"), CASES)
def test_patch_is_200_in_scope_and_404_out(world, role, village):
    city, households = world
    response = client_for(city, role).patch(
        f"/api/households/{households[village].pk}/?round={ROUND}", {"note": "sửa"}, format="json"
    )
    assert response.status_code == (200 if village in ROLES[role][1] else 404)


@pytest.mark.parametrize(("role", "village"), CASES)
def test_create_is_201_in_scope_and_a_village_error_out(world, role, village):
    city, _households = world
    data = household(getattr(city, village), f"NEW-{role}")
    response = client_for(city, role).post(f"/api/households/?round={ROUND}", data, format="json")
    if village in ROLES[role][1]:
        assert response.status_code == 201
    else:
        assert response.status_code == 400 and list(response.json()["errors"]) == ["village"]


@pytest.mark.parametrize("role", ROLES)
def test_a_patch_cannot_move_a_household_out_of_scope(world, role):
    city, households = world
    response = client_for(city, role).patch(
        f"/api/households/{households['village_a1'].pk}/?round={ROUND}",
        {"village": "00004-01"},
        format="json",
    )
    assert response.status_code == 400 and "village" in response.json()["errors"]


@pytest.mark.parametrize("role", ROLES)
def test_areas_lists_only_the_users_subtree(world, role):
    city, _households = world
    body = client_for(city, role).get("/api/areas/?page_size=100").json()
    codes = {a["code"] for a in body["results"]}
    assert {getattr(city, v).code for v in ROLES[role][1]} <= codes
    assert "00004-01" not in codes and "01" not in codes


def test_a_user_without_membership_sees_nothing(world):
    city, households = world
    api = APIClient()
    from django.contrib.auth import get_user_model

    api.force_authenticate(get_user_model().objects.create_user("lost", password="x-1234567"))
    assert api.get("/api/households/").json()["count"] == 0
    assert api.get(f"/api/households/{households['village_a1'].pk}/").status_code == 404
    assert api.get("/api/areas/").json()["count"] == 0


def test_a_superuser_sees_every_city(world):
    city, households = world
    from django.contrib.auth import get_user_model

    api = APIClient()
    api.force_authenticate(get_user_model().objects.create_superuser("root", password="x-1234567"))
    assert api.get(f"/api/households/?round={ROUND}").json()["count"] == 4


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/households/"),
        ("post", "/api/households/"),
        ("get", "/api/households/{id}/"),
        ("put", "/api/households/{id}/"),
        ("patch", "/api/households/{id}/"),
        ("get", "/api/areas/"),
        ("get", "/api/me/"),
    ],
)
def test_anonymous_is_refused_everywhere(world, method, url):
    _city, households = world
    response = getattr(APIClient(), method)(
        url.format(id=households["village_a1"].pk), {}, format="json"
    )
    assert response.status_code in (401, 403)
    assert response.json()["message"]


def test_an_unknown_household_is_404(world):
    city, _households = world
    response = client_for(city, "city_staff").get(f"/api/households/{uuid.uuid4()}/")
    assert response.status_code == 404 and response.json()["message"]
