"""The review queue over HTTP: scope per role (out of scope is 404), side by side, decide, undo."""

import pytest

from dedup.models import DuplicatePair
from dedup.tests.conftest import add_person, check
from surveys.models import Resident
from tests.factories import ROUND, api_client, make_user

pytestmark = pytest.mark.django_db

SAME = {
    "full_name": "Phạm Thị Lan",
    "sex": "female",
    "birth_year": 1992,
    "birth_month": 5,
    "birth_day": 20,
    "primary_completed_year": 2003,
    "lower_secondary_graduated_year": 2007,
    "upper_secondary_graduated_year": 2010,
}


@pytest.fixture
def pairs(city, commune_c):
    """Three pairs: inside commune A, across communes A and C (same district), inside commune B."""
    found = {}
    for name, (one, two) in {
        "in_a": ((city.village_a1, "A-1"), (city.village_a2, "A-2")),
        "a_c": ((city.village_a1, "A-3"), (commune_c, "C-1")),
        "in_b": ((city.village_b1, "B-1"), (city.village_b1, "B-2")),
    }.items():
        given = {"in_a": "Lan", "a_c": "Hoa", "in_b": "Mai"}[name]
        fields = {**SAME, "full_name": f"Phạm Thị {given}"}
        first = add_person(one[0], one[1], **fields)
        second = add_person(two[0], two[1], **{**fields, "full_name": fields["full_name"].upper()})
        check(first, second)
        found[name] = DuplicatePair.objects.get(left_id__in=[first.pk, second.pk])
    return found


ROLES = {
    "surveyor": ("village_a1", set()),
    "commune_officer": ("commune_a", {"in_a"}),
    "district_supervisor": ("district", {"in_a", "a_c"}),
    "city_staff": ("city", {"in_a", "a_c", "in_b"}),
    "other_city": ("other_city", set()),
}


def client_for(city, role: str):
    area_name, _seen = ROLES[role]
    real_role = "city_staff" if role == "other_city" else role
    return api_client(make_user(f"u-{role}", real_role, getattr(city, area_name)))


@pytest.mark.parametrize("role", ROLES)
def test_the_queue_lists_exactly_the_pairs_in_scope(city, pairs, role):
    body = client_for(city, role).get("/api/dedup/pairs/").json()
    assert {p["id"] for p in body["results"]} == {pairs[name].pk for name in ROLES[role][1]}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", ["in_a", "a_c", "in_b"])
def test_detail_and_decisions_are_404_out_of_scope(city, pairs, role, name):
    api = client_for(city, role)
    pair = pairs[name]
    visible = name in ROLES[role][1]
    assert api.get(f"/api/dedup/pairs/{pair.pk}/?round={ROUND}").status_code == (
        200 if visible else 404
    )
    response = api.post(
        f"/api/dedup/pairs/{pair.pk}/decide?round={ROUND}", {"decision": "different"}, format="json"
    )
    assert response.status_code == (200 if visible else 404)
    pair.refresh_from_db()
    assert pair.status == ("different" if visible else "open")


def test_side_by_side_shows_both_records_and_what_differs(
    city, pairs, officer, django_assert_max_num_queries
):
    api = api_client(officer)
    pair = pairs["in_a"]
    with django_assert_max_num_queries(12):
        body = api.get(f"/api/dedup/pairs/{pair.pk}/?round={ROUND}").json()
    assert {body["left"]["full_name"], body["right"]["full_name"]} == {
        "Phạm Thị Lan",
        "PHẠM THỊ LAN",
    }
    assert body["differences"] == ["full_name"]
    assert {body["left"]["village"], body["right"]["village"]} == {"11311-01", "11311-02"}
    assert {"name_exact", "date_exact", "same_commune"} <= set(body["reasons"]) and body[
        "status"
    ] == "open"


def test_merge_then_undo_over_http(city, pairs, officer):
    api = api_client(officer)
    pair = pairs["in_a"]
    keep = "left" if Resident.objects.get(pk=pair.left_id).full_name == "Phạm Thị Lan" else "right"
    body = {"decision": "same", "survivor": keep, "fields": {"full_name": keep}, "note": "trùng"}
    response = api.post(f"/api/dedup/pairs/{pair.pk}/decide?round={ROUND}", body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["kind"] == "same" and response.json()["user"] == "can-bo-xa"
    assert (
        Resident.objects.filter(
            pk__in=[pair.left_id, pair.right_id], deleted_at__isnull=True
        ).count()
        == 1
    )
    assert api.get("/api/dedup/pairs/").json()["count"] == 0
    assert api.get("/api/dedup/pairs/?status=same").json()["count"] == 1
    again = api.post(f"/api/dedup/pairs/{pair.pk}/decide?round={ROUND}", body, format="json")
    assert again.status_code == 409
    undo = api.post(f"/api/dedup/pairs/{pair.pk}/undo?round={ROUND}", {}, format="json")
    assert undo.status_code == 200 and undo.json()["kind"] == "undo"
    assert (
        Resident.objects.filter(
            pk__in=[pair.left_id, pair.right_id], deleted_at__isnull=True
        ).count()
        == 2
    )
    history = api.get(f"/api/dedup/pairs/{pair.pk}/?round={ROUND}").json()["decisions"]
    assert [(d["kind"], d["undone"]) for d in history] == [("same", True), ("undo", False)]


def test_a_merge_without_a_survivor_is_refused_in_vietnamese(city, pairs, officer):
    response = api_client(officer).post(
        f"/api/dedup/pairs/{pairs['in_a'].pk}/decide?round={ROUND}",
        {"decision": "same"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"]["survivor"] == ["Hãy chọn bản ghi được giữ lại."]


def test_surveyors_do_not_see_the_queue(city, pairs):
    api = client_for(city, "surveyor")
    assert api.get("/api/dedup/pairs/").json()["count"] == 0
    assert api.get(f"/api/dedup/pairs/{pairs['in_a'].pk}/undo").status_code == 405
    assert (
        api.post(f"/api/dedup/pairs/{pairs['in_a'].pk}/undo", {}, format="json").status_code == 404
    )


def test_anonymous_requests_are_refused(pairs):
    from rest_framework.test import APIClient

    assert APIClient().get("/api/dedup/pairs/").status_code in (401, 403)
