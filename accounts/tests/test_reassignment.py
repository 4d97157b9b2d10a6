"""A reassignment through the team API reaches the phones at their next pull (docs/sync.md)."""

import uuid

import pytest
from django.contrib.auth import get_user_model

from accounts.tests.helpers import new_surveyor
from tests.factories import ROUND, api_client, make_household

pytestmark = pytest.mark.django_db


def pull_all(client, device, cursor=0) -> tuple[list[dict], int, list[dict]]:
    changes, pages = [], []
    while True:
        body = client.get(
            f"/api/sync/pull?cursor={cursor}&limit=100&device={device}&round={ROUND}"
        ).json()
        pages.append(body)
        changes += body["changes"]
        cursor = body["cursor"]
        if not body["more"]:
            return changes, cursor, pages


def fresh(user):
    """A phone's next request loads its user afresh (memberships are cached per request)."""
    return api_client(get_user_model().objects.get(pk=user.pk))


def no_password_change_needed(*users):
    for user in users:
        user.account_profile.must_change_password = False
        user.account_profile.save()


def test_a_reassignment_sends_tombstones_to_the_old_device_and_the_roster_to_the_new_one(
    city, officer_api, officer
):
    household = make_household(city.village_a1, "T-1")
    old_user = new_surveyor(
        officer, city.commune_a, name="Trần Thị Hoa", villages=[city.village_a1]
    ).user
    new_user = new_surveyor(
        officer, city.commune_a, name="Lê Văn Bình", villages=[city.village_a2]
    ).user
    no_password_change_needed(old_user, new_user)
    old_device, new_device = uuid.uuid4(), uuid.uuid4()
    before, old_cursor, _pages = pull_all(fresh(old_user), old_device)
    assert str(household.pk) in {c["id"] for c in before}
    _changes, new_cursor, _pages = pull_all(fresh(new_user), new_device)

    code = city.commune_a.code
    moved_away = officer_api.put(
        f"/api/team/{code}/surveyors/{old_user.pk}/villages", {"villages": []}, format="json"
    )
    moved_in = officer_api.put(
        f"/api/team/{code}/surveyors/{new_user.pk}/villages",
        {"villages": ["11311-01", "11311-02"]},
        format="json",
    )
    assert (moved_away.status_code, moved_in.status_code) == (200, 200)
    assert moved_in.json()["villages"] == ["11311-01", "11311-02"]

    body = (
        fresh(old_user)
        .get(f"/api/sync/pull?cursor={old_cursor}&device={old_device}&round={ROUND}")
        .json()
    )
    assert {
        "entity": "household",
        "id": str(household.pk),
        "deleted": True,
        "reason": "scope",
    } in body["changes"]
    assert body["villages"] == []
    changes, _cursor, pages = pull_all(fresh(new_user), new_device, cursor=new_cursor)
    assert pages[0]["reset"] is True
    roster = {c["id"] for c in changes if c["entity"] == "household" and not c["deleted"]}
    assert str(household.pk) in roster
    assert len([c for c in changes if c["entity"] == "resident" and not c["deleted"]]) == 2


def test_reassigning_a_village_from_its_page_moves_it_between_surveyors(
    city, officer, officer_page
):
    old_user = new_surveyor(
        officer, city.commune_a, name="Trần Thị Hoa", villages=[city.village_a1]
    ).user
    new_user = new_surveyor(officer, city.commune_a, name="Lê Văn Bình").user
    response = officer_page.post(
        f"/team/{city.commune_a.code}/villages/{city.village_a1.pk}/",
        {"surveyors": [str(new_user.pk)]},
    )
    assert response.status_code == 302
    assert list(city.village_a1.memberships.values_list("user_id", flat=True)) == [new_user.pk]
    assert not old_user.memberships.exists()
