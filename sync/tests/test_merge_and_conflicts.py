import uuid

import pytest
from rest_framework.test import APIClient

from surveys.models import Household, Resident
from sync.models import Conflict
from sync.tests.helpers import new_household_ops, op, push, statuses
from tests.factories import ROUND, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def synced(phone, city):
    """A household created by the phone (version 1), as the phone last pulled it."""
    household_id, ops = new_household_ops(city.village_a1)
    push(phone, ops)
    return household_id, ops


def officer_edits(officer_client, household_id, **fields):
    response = officer_client.patch(
        f"/api/households/{household_id}/?round={ROUND}", fields, format="json"
    )
    assert response.status_code == 200, response.json()
    return response.json()


def test_disjoint_changes_merge_automatically(phone, officer_client, synced):
    household_id, _ops = synced
    officer_edits(officer_client, household_id, phone="0912345678")
    result = push(
        phone,
        [
            op(
                "household.upsert",
                household_id,
                {"address": "Số 9"},
                base_version=1,
                base={"address": "Số 1"},
            )
        ],
    ).json()["results"][0]
    assert result["status"] == "applied" and result["version"] == 3
    household = Household.objects.get(pk=household_id)
    assert (household.address, household.phone) == ("Số 9", "0912345678")


def test_the_same_change_on_both_sides_is_no_conflict(phone, officer_client, synced):
    household_id, _ops = synced
    officer_edits(officer_client, household_id, address="Số 9")
    result = push(
        phone,
        [
            op(
                "household.upsert",
                household_id,
                {"address": "Số 9"},
                base_version=1,
                base={"address": "Số 1"},
            )
        ],
    ).json()["results"][0]
    assert result["status"] == "applied" and not Conflict.objects.exists()


def test_the_same_field_changed_both_ways_becomes_a_conflict_and_nothing_is_overwritten(
    phone, officer_client, synced
):
    household_id, _ops = synced
    officer_edits(officer_client, household_id, address="Số 7")
    change = op(
        "household.upsert",
        household_id,
        {"address": "Số 9", "note": "Nhà mới"},
        base_version=1,
        base={"address": "Số 1", "note": ""},
    )
    result = push(phone, [change]).json()["results"][0]
    assert result["status"] == "conflict" and result["conflict_id"]
    household = Household.objects.get(pk=household_id)
    assert household.address == "Số 7" and household.note == "Nhà mới"  # the disjoint field merged
    conflict = Conflict.objects.get(pk=result["conflict_id"])
    assert (
        conflict.kind == "fields" and conflict.status == "open" and conflict.user.username == "gv"
    )
    detail = conflict.fields["address"]
    assert (detail["base"], detail["mine"], detail["theirs"], detail["theirs_by"]) == (
        "Số 1",
        "Số 9",
        "Số 7",
        "xa",
    )
    assert detail["theirs_at"]


@pytest.mark.parametrize(
    ("decision", "expected"),
    [("mine", "Số 9"), ("theirs", "Số 7"), ({"value": "Số 8, ngõ 2"}, "Số 8, ngõ 2")],
)
def test_a_field_conflict_is_resolved_each_way(phone, officer_client, synced, decision, expected):
    household_id, _ops = synced
    officer_edits(officer_client, household_id, address="Số 7")
    result = push(
        phone,
        [
            op(
                "household.upsert",
                household_id,
                {"address": "Số 9"},
                base_version=1,
                base={"address": "Số 1"},
            )
        ],
    ).json()["results"][0]
    url = f"/api/sync/conflicts/{result['conflict_id']}/resolve"
    response = officer_client.post(url, {"fields": {"address": decision}}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "resolved" and response.json()["resolved_by"] == "xa"
    assert Household.objects.get(pk=household_id).address == expected
    again = officer_client.post(url, {"fields": {"address": "mine"}}, format="json")
    assert again.status_code == 400 and "status" in again.json()["errors"]


def test_a_resolution_must_decide_every_field_and_name_only_those(phone, officer_client, synced):
    household_id, _ops = synced
    officer_edits(officer_client, household_id, address="Số 7")
    result = push(
        phone,
        [
            op(
                "household.upsert",
                household_id,
                {"address": "Số 9"},
                base_version=1,
                base={"address": "Số 1"},
            )
        ],
    ).json()["results"][0]
    url = f"/api/sync/conflicts/{result['conflict_id']}/resolve"
    response = officer_client.post(url, {"fields": {"phone": "mine"}}, format="json")
    assert response.status_code == 400 and set(response.json()["errors"]) == {
        "fields.address",
        "fields.phone",
    }
    bad_value = officer_client.post(
        url, {"fields": {"address": {"value": "x" * 300}}}, format="json"
    )
    assert bad_value.status_code == 400 and "address" in bad_value.json()["errors"]
    assert Conflict.objects.get(pk=result["conflict_id"]).status == "open"


def test_the_surveyor_resolves_their_own_conflict(phone, officer_client, synced):
    household_id, ops = synced
    resident_id = ops[1]["entity_id"]
    officer_client.patch(
        f"/api/households/{household_id}/?round={ROUND}",
        {"members": [{"id": resident_id, "full_name": "Nguyễn Văn Nam Anh"}]},
        format="json",
    )
    result = push(
        phone,
        [
            op(
                "resident.upsert",
                resident_id,
                {"full_name": "Nguyễn Văn Năm"},
                base_version=1,
                base={"full_name": "Nguyễn Văn Nam"},
            )
        ],
    ).json()["results"][0]
    assert result["status"] == "conflict"
    listed = phone.get("/api/sync/conflicts/?status=open").json()
    assert [c["id"] for c in listed["results"]] == [result["conflict_id"]]
    response = phone.post(
        f"/api/sync/conflicts/{result['conflict_id']}/resolve",
        {"fields": {"full_name": "mine"}},
        format="json",
    )
    assert response.status_code == 200
    resident = Resident.objects.get(pk=resident_id)
    assert resident.full_name == "Nguyễn Văn Năm" and resident.name_folded == "nguyen van nam"


def test_delete_versus_edit_is_a_conflict(phone, officer_client, synced):
    household_id, _ops = synced
    officer_edits(officer_client, household_id, note="Đã xác minh")
    result = push(phone, [op("household.delete", household_id, {}, base_version=1)]).json()[
        "results"
    ][0]
    assert result["status"] == "conflict"
    assert Household.objects.get(pk=household_id).deleted_at is None
    conflict = Conflict.objects.get(pk=result["conflict_id"])
    assert conflict.kind == "delete_vs_edit"
    response = officer_client.post(
        f"/api/sync/conflicts/{conflict.pk}/resolve", {"choice": "mine"}, format="json"
    )
    assert response.status_code == 200
    assert Household.objects.get(pk=household_id).deleted_at is not None


def test_edit_versus_delete_is_a_conflict_and_mine_restores_the_record(phone, city, synced):
    household_id, ops = synced
    resident_id = ops[2]["entity_id"]
    other = APIClient()
    other.force_authenticate(make_user("gv-b", "surveyor", city.village_a1))
    assert statuses(
        push(other, [op("resident.delete", resident_id, {}, base_version=1)], device=uuid.uuid4())
    ) == ["applied"]
    result = push(
        phone,
        [
            op(
                "resident.upsert",
                resident_id,
                {"guardian_name": "Trần Thị Lan"},
                base_version=1,
                base={"guardian_name": "Nguyễn Văn Nam"},
            )
        ],
    ).json()["results"][0]
    assert result["status"] == "conflict"
    conflict = Conflict.objects.get(pk=result["conflict_id"])
    assert conflict.kind == "edit_vs_delete" and conflict.fields["deleted"]["theirs_by"] == "gv-b"
    assert (
        phone.post(
            f"/api/sync/conflicts/{conflict.pk}/resolve", {"choice": "maybe"}, format="json"
        ).status_code
        == 400
    )
    assert (
        phone.post(
            f"/api/sync/conflicts/{conflict.pk}/resolve", {"choice": "mine"}, format="json"
        ).status_code
        == 200
    )
    resident = Resident.objects.get(pk=resident_id)
    assert resident.deleted_at is None and resident.guardian_name == "Trần Thị Lan"


def test_edit_versus_delete_resolved_theirs_keeps_it_deleted(phone, city, synced):
    household_id, ops = synced
    other = APIClient()
    other.force_authenticate(make_user("gv-b", "surveyor", city.village_a1))
    push(other, [op("household.delete", household_id, {}, base_version=1)], device=uuid.uuid4())
    result = push(
        phone,
        [op("household.upsert", household_id, {"note": "x"}, base_version=1, base={"note": ""})],
    ).json()["results"][0]
    assert result["status"] == "conflict"
    phone.post(
        f"/api/sync/conflicts/{result['conflict_id']}/resolve", {"choice": "theirs"}, format="json"
    )
    assert Household.objects.get(pk=household_id).deleted_at is not None


def test_conflicts_are_scoped(phone, officer_client, city, synced):
    household_id, _ops = synced
    officer_edits(officer_client, household_id, address="Số 7")
    result = push(
        phone,
        [
            op(
                "household.upsert",
                household_id,
                {"address": "Số 9"},
                base_version=1,
                base={"address": "Số 1"},
            )
        ],
    ).json()["results"][0]
    outsider = APIClient()
    outsider.force_authenticate(make_user("xa-b", "commune_officer", city.commune_b))
    assert outsider.get("/api/sync/conflicts/").json()["count"] == 0
    assert outsider.get(f"/api/sync/conflicts/{result['conflict_id']}/").status_code == 404
    resolve = outsider.post(
        f"/api/sync/conflicts/{result['conflict_id']}/resolve",
        {"fields": {"address": "mine"}},
        format="json",
    )
    assert resolve.status_code == 404
    assert (
        officer_client.get(f"/api/sync/conflicts/{result['conflict_id']}/").json()["fields"][
            "address"
        ]["mine"]
        == "Số 9"
    )
