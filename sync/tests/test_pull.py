import uuid

import pytest
from rest_framework.test import APIClient

from areas.models import Membership
from sync.tests.helpers import DEVICE, new_household_ops, op, push
from tests.factories import ROUND, make_household, make_user

pytestmark = pytest.mark.django_db


def pull_all(client, cursor=0, limit=3, device=DEVICE) -> tuple[list[dict], int, list[dict]]:
    changes, pages = [], []
    while True:
        body = client.get(
            f"/api/sync/pull?cursor={cursor}&limit={limit}&device={device}&round={ROUND}"
        ).json()
        pages.append(body)
        changes += body["changes"]
        assert body["cursor"] >= cursor
        cursor = body["cursor"]
        if not body["more"]:
            return changes, cursor, pages


def test_pull_pages_through_the_feed_oldest_first_each_record_once(phone, city):
    for n in range(4):
        make_household(city.village_a1, f"T-{n}")
    make_household(city.village_a2, "T-out")
    changes, cursor, pages = pull_all(phone)
    assert len(pages) > 2 and all(len(p["changes"]) <= 3 for p in pages)
    seqs = [c["seq"] for c in changes]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    households = [c for c in changes if c["entity"] == "household"]
    assert sorted(c["data"]["number"] for c in households) == ["T-0", "T-1", "T-2", "T-3"]
    assert len([c for c in changes if c["entity"] == "resident"]) == 8
    assert pages[-1]["villages"] == ["11311-01"]
    again = phone.get(f"/api/sync/pull?cursor={cursor}&device={DEVICE}").json()
    assert again["changes"] == [] and again["cursor"] == cursor and again["more"] is False


def test_pull_sends_new_changes_and_tombstones_after_the_cursor(phone, city):
    household_id, ops = new_household_ops(city.village_a1)
    push(phone, ops)
    _changes, cursor, _pages = pull_all(phone, limit=100)
    push(phone, [op("resident.delete", ops[2]["entity_id"], {}, base_version=1)])
    push(
        phone,
        [
            op(
                "household.upsert",
                household_id,
                {"note": "Hộ có người khuyết tật"},
                base_version=1,
                base={"note": ""},
            )
        ],
    )
    changes, _cursor, _pages = pull_all(phone, cursor=cursor, limit=100)
    assert [(c["entity"], c["deleted"]) for c in changes] == [
        ("resident", True),
        ("household", False),
    ]
    assert changes[1]["data"]["note"] == "Hộ có người khuyết tật" and changes[1]["version"] == 2


def test_a_reassigned_village_leaves_the_old_device_and_reaches_the_new_one(city):
    household = make_household(city.village_a1, "T-1")
    old = APIClient()
    old_user = make_user("gv-old", "surveyor", city.village_a1)
    old.force_authenticate(old_user)
    new = APIClient()
    new_user = make_user("gv-new", "surveyor", city.village_a2)
    new.force_authenticate(new_user)
    old_device, new_device = uuid.uuid4(), uuid.uuid4()
    _changes, old_cursor, _pages = pull_all(old, device=old_device, limit=100)
    _changes, new_cursor, _pages = pull_all(new, device=new_device, limit=100)

    Membership.objects.filter(user=old_user).update(area=city.village_a2)
    Membership.objects.create(user=new_user, area=city.village_a1, role="surveyor")
    old.force_authenticate(
        type(old_user).objects.get(pk=old_user.pk)
    )  # a new request loads the user afresh
    new.force_authenticate(type(new_user).objects.get(pk=new_user.pk))

    body = old.get(f"/api/sync/pull?cursor={old_cursor}&device={old_device}").json()
    assert {
        "entity": "household",
        "id": str(household.pk),
        "deleted": True,
        "reason": "scope",
    } in body["changes"]
    assert body["villages"] == ["11311-02"]
    changes, _cursor, pages = pull_all(new, cursor=new_cursor, device=new_device, limit=100)
    assert pages[0]["reset"] is True
    assert str(household.pk) in {
        c["id"] for c in changes if c["entity"] == "household" and not c["deleted"]
    }


def test_a_household_moved_out_of_the_villages_comes_as_a_tombstone(phone, officer_client, city):
    household = make_household(city.village_a1, "T-1")
    _changes, cursor, _pages = pull_all(phone, limit=100)
    officer_client.patch(
        f"/api/households/{household.pk}/?round={ROUND}", {"village": "11311-02"}, format="json"
    )
    changes, _cursor, _pages = pull_all(phone, cursor=cursor, limit=100)
    assert {
        "entity": "household",
        "id": str(household.pk),
        "deleted": True,
        "reason": "scope",
    } in changes


def test_pull_validates_its_parameters(phone):
    response = phone.get("/api/sync/pull?cursor=-1&limit=5000&device=abc")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"cursor", "limit", "device"}


def test_pull_without_a_device_still_works(phone, city):
    make_household(city.village_a1, "T-1")
    body = phone.get("/api/sync/pull").json()
    assert len(body["changes"]) == 3 and body["reset"] is False


def test_a_resident_moved_to_a_household_outside_the_villages_comes_as_a_tombstone(
    phone, officer_client, city
):
    household = make_household(city.village_a1, "T-1")
    elsewhere = make_household(city.village_a2, "T-2")
    resident = household.members.order_by("position").last()
    _changes, cursor, _pages = pull_all(phone, limit=100)
    move = op(
        "resident.upsert",
        resident.pk,
        {"household": str(elsewhere.pk)},
        base_version=1,
        base={"household": str(household.pk)},
    )
    assert (
        push(officer_client, [move], device=uuid.uuid4()).json()["results"][0]["status"]
        == "applied"
    )
    changes, _cursor, _pages = pull_all(phone, cursor=cursor, limit=100)
    assert {
        "entity": "resident",
        "id": str(resident.pk),
        "deleted": True,
        "reason": "scope",
    } in changes
