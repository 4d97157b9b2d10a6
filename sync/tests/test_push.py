import uuid

import pytest
from django.db import DatabaseError

from surveys.models import Change, Household, Resident, Visit
from sync.models import OpLog
from sync.tests.helpers import (
    DEVICE,
    child_data,
    household_data,
    new_household_ops,
    op,
    push,
    resident_data,
    statuses,
)
from tests.factories import ROUND, make_household, make_user

pytestmark = pytest.mark.django_db


def test_a_new_household_with_members_and_visit_is_applied(phone, city):
    household_id, ops = new_household_ops(city.village_a1)
    response = push(phone, ops)
    assert response.status_code == 200, response.json()
    assert statuses(response) == ["applied"] * 4
    household = Household.objects.get(pk=household_id)
    assert (
        household.members.count() == 2
        and Visit.objects.get(household=household).date.isoformat() == "2025-09-20"
    )
    first = response.json()["results"][0]
    assert (
        first["version"] == 1 and first["server"]["number"] == "T01-001" and first["errors"] == {}
    )
    assert set(Change.objects.values_list("source", flat=True)) == {f"sync:{DEVICE}"}
    assert response.json()["cursor"] >= household.seq


def test_a_replayed_batch_returns_the_original_results_and_changes_nothing(phone, city):
    _household_id, ops = new_household_ops(city.village_a1)
    first = push(phone, ops).json()["results"]
    changes, versions = (
        Change.objects.count(),
        sorted(Resident.objects.values_list("version", flat=True)),
    )
    replay = push(phone, ops).json()["results"]
    assert [r["status"] for r in replay] == ["duplicate"] * 4
    assert [r["version"] for r in replay] == [r["version"] for r in first]
    assert [r["server"] for r in replay] == [r["server"] for r in first]
    assert Change.objects.count() == changes
    assert sorted(Resident.objects.values_list("version", flat=True)) == versions
    assert OpLog.objects.count() == 4


def test_a_rejected_op_replays_as_rejected(phone, city):
    bad = op("household.upsert", uuid.uuid4(), household_data(city.village_a1, number=""))
    assert statuses(push(phone, [bad])) == ["rejected"]
    again = push(phone, [bad]).json()["results"][0]
    assert again["status"] == "rejected" and "number" in again["errors"]


def test_an_invalid_op_does_not_stop_the_valid_ones(phone, city):
    household_id, ops = new_household_ops(city.village_a1)
    ops.insert(
        2,
        op(
            "resident.upsert",
            uuid.uuid4(),
            resident_data(household_id, birth_year=1800, relation="spouse"),
        ),
    )
    results = push(phone, ops).json()["results"]
    assert [r["status"] for r in results] == [
        "applied",
        "applied",
        "rejected",
        "applied",
        "applied",
    ]
    assert results[2]["errors"]["birth_year"] == ["Năm sinh phải từ 1900 đến 2025."]
    assert Resident.objects.filter(household_id=household_id).count() == 2


def test_a_malformed_op_is_rejected_with_the_field_named(phone, city):
    household_id, ops = new_household_ops(city.village_a1)
    broken = [
        {
            "op_id": "x",
            "kind": "household.explode",
            "entity_id": "y",
            "base_version": "1",
            "data": [],
            "extra": 1,
        }
    ]
    results = push(phone, broken + ops).json()["results"]
    assert results[0]["status"] == "rejected" and "retry" not in results[0]
    assert set(results[0]["errors"]) == {
        "op_id",
        "kind",
        "entity_id",
        "base_version",
        "data",
        "extra",
    }
    assert [r["status"] for r in results[1:]] == ["applied"] * 4


def test_ops_out_of_order_in_one_batch_are_applied(phone, city):
    household_id, ops = new_household_ops(city.village_a1)
    results = push(phone, list(reversed(ops))).json()["results"]
    assert [r["status"] for r in results] == ["applied"] * 4
    assert Household.objects.get(pk=household_id).members.count() == 2


def test_an_op_that_arrives_before_its_household_waits_and_is_not_recorded(phone, city):
    household_id, ops = new_household_ops(city.village_a1)
    early = push(phone, [ops[1]]).json()["results"][0]
    assert (
        early["status"] == "rejected" and early["retry"] is True and "household" in early["errors"]
    )
    assert not OpLog.objects.filter(op_id=ops[1]["op_id"]).exists()
    assert statuses(push(phone, ops[:1])) == ["applied"]
    assert statuses(push(phone, [ops[1]])) == ["applied"]


def test_later_edits_of_one_phone_win_even_when_they_arrive_first(phone, city):
    household_id, ops = new_household_ops(city.village_a1)
    push(phone, ops)
    base = {"address": "Số 1"}
    older = op(
        "household.upsert", household_id, {"address": "Số 2"}, base_version=1, base=base, at=1000
    )
    newer = op(
        "household.upsert", household_id, {"address": "Số 3"}, base_version=1, base=base, at=2000
    )
    assert statuses(push(phone, [newer])) == ["applied"]
    assert statuses(push(phone, [older])) == ["applied"]
    assert Household.objects.get(pk=household_id).address == "Số 3"


def test_sequential_edits_of_one_phone_are_no_conflict(phone, city):
    household_id, ops = new_household_ops(city.village_a1)
    push(phone, ops)
    first = op(
        "household.upsert",
        household_id,
        {"address": "Số 2"},
        base_version=1,
        base={"address": "Số 1"},
    )
    second = op(
        "household.upsert",
        household_id,
        {"address": "Số 5"},
        base_version=1,
        base={"address": "Số 1"},
    )
    assert statuses(push(phone, [first, second])) == ["applied", "applied"]
    assert Household.objects.get(pk=household_id).address == "Số 5"


def test_ops_out_of_the_surveyors_villages_are_rejected(phone, city):
    foreign = make_household(city.village_a2, "T02-001")
    edit = op("household.upsert", foreign.pk, {"note": "x"}, base_version=1, base={"note": ""})
    create = op("household.upsert", uuid.uuid4(), household_data(city.village_a2, "T02-999"))
    member = op("resident.upsert", uuid.uuid4(), resident_data(foreign.pk, relation="other"))
    delete = op("household.delete", foreign.pk, {}, base_version=1)
    results = push(phone, [edit, create, member, delete]).json()["results"]
    assert [r["status"] for r in results] == ["rejected"] * 4
    assert "entity_id" in results[0]["errors"] and "village" in results[1]["errors"]
    assert "household" in results[2]["errors"] and "entity_id" in results[3]["errors"]
    assert Household.objects.get(pk=foreign.pk).note == "" and Household.objects.count() == 1


def test_an_unknown_entity_with_a_base_version_is_rejected(phone, city):
    result = push(
        phone, [op("resident.upsert", uuid.uuid4(), {"full_name": "A"}, base_version=3)]
    ).json()["results"][0]
    assert result["status"] == "rejected" and "entity_id" in result["errors"]


def test_a_database_error_mid_op_leaves_nothing_and_the_batch_goes_on(phone, city, monkeypatch):
    import sync.services as services

    real = services.resident_create

    def failing(**kwargs):
        real(**kwargs)  # the row is written, then the database fails
        raise DatabaseError("disk full")

    household_id, ops = new_household_ops(city.village_a1)
    monkeypatch.setattr(services, "resident_create", failing)
    results = push(phone, ops).json()["results"]
    assert [r["status"] for r in results] == ["applied", "rejected", "rejected", "applied"]
    assert results[1]["retry"] is True
    assert not Resident.objects.exists()
    assert not Change.objects.filter(entity="resident").exists()
    assert not OpLog.objects.filter(op_id__in=[ops[1]["op_id"], ops[2]["op_id"]]).exists()
    monkeypatch.setattr(services, "resident_create", real)
    assert statuses(push(phone, ops)) == ["duplicate", "applied", "applied", "duplicate"]
    assert Resident.objects.filter(household_id=household_id).count() == 2


def test_a_resident_op_reports_a_household_without_head_as_a_warning(phone, city):
    household_id, ops = new_household_ops(city.village_a1)
    results = push(phone, [ops[0], ops[2]]).json()["results"]
    assert results[1]["status"] == "applied"
    assert results[1]["warnings"]["members"] == [
        "Mỗi hộ có đúng một chủ hộ; chưa có ai được ghi là chủ hộ."
    ]


def test_a_resident_moves_to_another_household(phone, city):
    first_id, first_ops = new_household_ops(city.village_a1, "T-1")
    second_id, second_ops = new_household_ops(city.village_a1, "T-2")
    push(phone, first_ops + second_ops)
    moved = first_ops[2]["entity_id"]
    result = push(
        phone,
        [
            op(
                "resident.upsert",
                moved,
                {"household": second_id},
                base_version=1,
                base={"household": first_id},
            )
        ],
    ).json()["results"][0]
    assert result["status"] == "applied" and result["server"]["household"] == second_id
    assert Resident.objects.get(pk=moved).household_id == uuid.UUID(second_id)


def test_a_visit_keeps_the_latest_date_of_the_round(phone, city):
    household_id, ops = new_household_ops(city.village_a1)
    push(phone, ops)
    earlier = op("visit.record", household_id, {"household": household_id, "date": "2025-09-10"})
    later = op("visit.record", household_id, {"household": household_id, "date": "2025-10-01"})
    bad = op("visit.record", household_id, {"household": household_id, "date": "2024-10-01"})
    results = push(phone, [earlier, later, bad]).json()["results"]
    assert [r["status"] for r in results] == [
        "applied",
        "applied",
        "rejected",
    ] and "date" in results[2]["errors"]
    assert Visit.objects.get(household_id=household_id).date.isoformat() == "2025-10-01"


def test_a_delete_of_an_unchanged_household_deletes_it_and_its_members(phone, city):
    household_id, ops = new_household_ops(city.village_a1)
    push(phone, ops)
    result = push(phone, [op("household.delete", household_id, {}, base_version=1)]).json()[
        "results"
    ][0]
    assert result["status"] == "applied" and result["server"]["deleted"] is True
    assert Household.objects.get(pk=household_id).deleted_at is not None
    assert not Resident.objects.filter(household_id=household_id, deleted_at__isnull=True).exists()


def test_a_round_in_the_body_selects_the_enrollment_round(phone, city):
    household_id, ops = new_household_ops(city.village_a1)
    push(phone, ops[:1])
    kid = op(
        "resident.upsert",
        uuid.uuid4(),
        child_data(
            household_id,
            enrollment={"round": ROUND, "level": "lower_secondary", "grade": 6, "school": "THCS"},
        ),
    )
    assert statuses(push(phone, [kid], round_year=ROUND + 1)) == ["rejected"]
    assert statuses(push(phone, [{**kid, "op_id": str(uuid.uuid4())}], round_year=ROUND)) == [
        "applied"
    ]


def test_the_same_user_on_a_second_surveyor_account_cannot_replay_into_another_scope(city):
    from rest_framework.test import APIClient

    household_id, ops = new_household_ops(city.village_a1)
    owner = APIClient()
    owner.force_authenticate(make_user("gv1", "surveyor", city.village_a1))
    push(owner, ops)
    stranger = APIClient()
    stranger.force_authenticate(make_user("gv2", "surveyor", city.village_b1))
    replay = push(stranger, ops).json()["results"]
    assert [r["status"] for r in replay] == [
        "duplicate"
    ] * 4  # the op id is known: nothing is applied again
    assert Household.objects.count() == 1
