"""Commune sign-off: writes need a reason afterwards, the phone keeps what it could not send, reopen."""

import uuid

import pytest
from django.db import transaction

from boards.tests.helpers import listen_while
from server.errors import ValidationFailed
from server.events import group_name
from surveys.models import Change, CommuneSignoff, Household
from surveys.services import household_upsert
from surveys.signoff import is_signed_off, reopen, sign_off
from sync.models import OpLog
from sync.tests.helpers import household_data, new_household_ops, op, push, statuses
from tests.factories import ROUND, api_client, household, make_household, make_user  # noqa: F401


def test_a_write_after_sign_off_needs_a_reason_and_keeps_it(city, officer):
    made = make_household(city.village_a1)
    sign_off(user=officer, commune=city.commune_a, round_year=ROUND, note="xong")
    assert is_signed_off(commune_id=city.commune_a.pk, round_year=ROUND)
    data = household(city.village_a1, id=str(made.pk), address="Số 99")
    with pytest.raises(ValidationFailed) as refused:
        household_upsert(data=data, round_year=ROUND, user=officer, household_id=made.pk)
    assert list(refused.value.errors) == ["reason"]
    assert Household.objects.get(pk=made.pk).address != "Số 99"
    before = Change.objects.count()
    household_upsert(
        data=data, round_year=ROUND, user=officer, household_id=made.pk, reason="Sai số nhà"
    )
    assert Household.objects.get(pk=made.pk).address == "Số 99"
    written = list(Change.objects.order_by("seq")[before:].values_list("entity", "reason"))
    assert ("household", "Sai số nhà") in written and {reason for _entity, reason in written} == {
        "Sai số nhà"
    }


def test_another_commune_is_not_locked(city, officer):
    sign_off(user=officer, commune=city.commune_a, round_year=ROUND)
    make_household(city.village_b1, "B-1")  # commune B is open
    assert Household.objects.filter(commune=city.commune_b).count() == 1


def test_the_api_takes_the_reason_from_the_body(city, officer):
    client = api_client(officer)
    made = make_household(city.village_a1)
    sign_off(user=officer, commune=city.commune_a, round_year=ROUND)
    body = household(city.village_a1, id=str(made.pk), address="Số 7")
    refused = client.put(f"/api/households/{made.pk}/?round={ROUND}", body, format="json")
    assert refused.status_code == 400 and "reason" in refused.json()["errors"]
    done = client.put(
        f"/api/households/{made.pk}/?round={ROUND}",
        {**body, "reason": "Hộ báo sai địa chỉ"},
        format="json",
    )
    assert done.status_code == 200, done.json()
    assert Change.objects.filter(household_id=made.pk, reason="Hộ báo sai địa chỉ").exists()


def test_a_phone_push_into_a_signed_off_commune_is_kept_for_later_not_dropped(city, officer, phone):
    sign_off(user=officer, commune=city.commune_a, round_year=ROUND)
    household_id, ops = new_household_ops(city.village_a1, "P-1")
    reply = push(phone, ops)
    assert reply.status_code == 200
    results = reply.json()["results"]
    assert statuses(reply) == ["rejected"] * 4
    assert all(r["retry"] is True and r["signed_off"] is True for r in results[:1])
    assert "reason" in results[0]["errors"]
    assert not OpLog.objects.filter(
        op_id__in=[o["op_id"] for o in ops]
    ).exists()  # not final: may come again
    assert not Household.objects.filter(pk=household_id).exists()
    reopen(user=officer, commune=city.commune_a, round_year=ROUND, reason="Bổ sung hộ mới")
    assert statuses(push(phone, ops)) == ["applied"] * 4  # the same operations, sent again


def test_a_phone_op_with_a_reason_is_applied(city, officer, phone):
    sign_off(user=officer, commune=city.commune_a, round_year=ROUND)
    household_id = str(uuid.uuid4())
    reply = push(
        phone,
        [
            op(
                "household.upsert",
                household_id,
                household_data(city.village_a1, "P-2"),
                reason="Hộ mới chuyển đến",
            )
        ],
    )
    assert statuses(reply) == ["applied"]
    assert Change.objects.get(entity_id=household_id).reason == "Hộ mới chuyển đến"


def test_reopen_needs_a_reason_and_is_kept(city, officer):
    sign_off(user=officer, commune=city.commune_a, round_year=ROUND)
    with pytest.raises(ValidationFailed) as refused:
        reopen(user=officer, commune=city.commune_a, round_year=ROUND, reason="  ")
    assert list(refused.value.errors) == ["reason"]
    reopen(user=officer, commune=city.commune_a, round_year=ROUND, reason="Sót hộ")
    assert not is_signed_off(commune_id=city.commune_a.pk, round_year=ROUND)
    row = CommuneSignoff.objects.get()
    assert row.reopen_reason == "Sót hộ" and row.reopened_by == officer
    sign_off(user=officer, commune=city.commune_a, round_year=ROUND)  # may sign off again
    assert CommuneSignoff.objects.count() == 2
    with pytest.raises(ValidationFailed):
        sign_off(user=officer, commune=city.commune_a, round_year=ROUND)


def test_a_surveyor_cannot_sign_off(city, surveyor):
    from surveys.signoff import Forbidden

    with pytest.raises(Forbidden):
        sign_off(user=surveyor, commune=city.commune_a, round_year=ROUND)


@pytest.mark.django_db(transaction=True)
def test_sign_off_reopen_and_correction_events(city, officer):
    made = make_household(city.village_a1)

    def work():
        sign_off(user=officer, commune=city.commune_a, round_year=ROUND, note="Đủ")
        with pytest.raises(ValidationFailed), transaction.atomic():  # refused: no event
            household_upsert(
                data=household(city.village_a1, id=str(made.pk), address="X"),
                round_year=ROUND,
                user=officer,
                household_id=made.pk,
            )
        household_upsert(
            data=household(city.village_a1, id=str(made.pk), address="Số 5"),
            round_year=ROUND,
            user=officer,
            household_id=made.pk,
            reason="Sửa địa chỉ",
        )
        reopen(user=officer, commune=city.commune_a, round_year=ROUND, reason="Thêm hộ")

    mine = {"commune.signed_off", "correction.after_signoff", "commune.reopened"}
    got = [
        m["event"] for m in listen_while([group_name("303")], work) if m["event"]["type"] in mine
    ]
    types = [e["type"] for e in got]
    assert types == ["commune.signed_off", "correction.after_signoff", "commune.reopened"]
    signed, correction, reopened = got
    assert (
        signed["commune"] == "11311"
        and signed["round"] == ROUND
        and signed["user"] == "xa"
        and signed["note"] == "Đủ"
    )
    assert correction == {
        "type": "correction.after_signoff",
        "commune": "11311",
        "round": ROUND,
        "household": str(made.pk),
        "user": "xa",
        "reason": "Sửa địa chỉ",
        "at": correction["at"],
    }
    assert reopened["reason"] == "Thêm hộ"
