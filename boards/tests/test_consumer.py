"""The board websocket through the real ASGI application (session auth, origin check, routing)."""

import uuid

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction
from django.test import Client

from server.asgi import application
from sync.tests.helpers import household_data, new_household_ops, op, push
from tests.factories import ROUND, api_client, make_household, member

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


def _cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


async def _open(user, code: str):
    headers = [(b"origin", b"http://localhost")]
    if user is not None:
        headers.append((b"cookie", await sync_to_async(_cookie)(user)))
    communicator = WebsocketCommunicator(application, f"/ws/boards/{code}/", headers=headers)
    connected, _sub = await communicator.connect()
    return communicator, connected


async def _refused(user, code: str) -> None:
    communicator, connected = await _open(user, code)
    assert connected
    closing = await communicator.receive_output(timeout=3)
    assert closing == {"type": "websocket.close", "code": 4403}
    await communicator.wait()


async def _drain(communicator, seconds: float = 0.6) -> list[dict]:
    """What arrives until nothing more comes for ``seconds`` (without ending the consumer)."""
    got = []
    while not await communicator.receive_nothing(timeout=seconds):
        got.append(await communicator.receive_json_from(timeout=seconds))
    return got


async def _board(user, code: str):
    communicator, connected = await _open(user, code)
    assert connected
    snapshot = await communicator.receive_json_from(timeout=5)
    assert snapshot["type"] == "snapshot"
    return communicator, snapshot


async def test_anonymous_and_out_of_scope_are_refused(city, officer):
    await _refused(None, "11311")
    await _refused(officer, "00004")  # another city's commune
    await _refused(officer, "303")  # above the officer's commune
    await _refused(officer, "11311-01")  # villages have no board
    await _refused(officer, "nope")


async def test_the_snapshot_comes_first_with_the_area_and_its_children(city, officer):
    await sync_to_async(make_household)(city.village_a1, "A-1")
    communicator, snapshot = await _board(officer, "11311")
    assert snapshot["area"]["code"] == "11311" and snapshot["round"] == ROUND
    assert snapshot["area"]["visited"] == 1 and snapshot["area"]["expected"] == 1
    assert [(c["code"], c["visited"], c["expected"]) for c in snapshot["children"]] == [
        ("11311-01", 1, 1),
        ("11311-02", 0, 0),
    ]
    assert (
        snapshot["signoff"]["can_sign_off"] is True
        and snapshot["signoff"]["is_signed_off"] is False
    )
    await communicator.disconnect()


async def test_a_synced_household_reaches_every_board_up_the_tree(
    city, officer, supervisor, surveyor
):
    commune_board, _ = await _board(officer, "11311")
    district_board, _ = await _board(supervisor, "303")
    phone = await sync_to_async(api_client)(surveyor)
    household_id, ops = new_household_ops(city.village_a1, "A-9")
    reply = await sync_to_async(push)(phone, ops)
    assert reply.status_code == 200
    on_commune = await _drain(commune_board)
    on_district = await _drain(district_board)
    progress = [e for e in on_commune if e["type"] == "survey.progress"]
    assert len(progress) == 1  # one per push, not per operation
    event = progress[0]
    assert (
        event["commune"] == "11311"
        and event["round"] == ROUND
        and event["user"] == "gv"
        and event["households"] == 1
    )
    assert event["areas"]["11311"]["visited"] == 1 and event["areas"]["11311"]["expected"] == 1
    assert event["areas"]["11311"]["days"] == {"2025-09-20": 1}
    assert event["areas"]["11311"]["surveyors"] == {"gv": 1}
    assert event["areas"]["303"]["visited"] == 1 and event["areas"]["31"]["expected"] == 1
    assert event["villages"] == {
        "11311-01": {"visited": 1, "expected": 1, "days": {"2025-09-20": 1}, "surveyors": {"gv": 1}}
    }
    assert event["at"]
    seen = [e for e in on_commune if e["type"] == "sync.seen"]
    assert (
        len(seen) == 1
        and seen[0]["user"] == "gv"
        and seen[0]["ops"] == 4
        and seen[0]["applied"] == 4
    )
    assert [e["type"] for e in on_district if e["type"] in ("survey.progress", "sync.seen")] == [
        "survey.progress",
        "sync.seen",
    ]
    await commune_board.disconnect()
    await district_board.disconnect()


async def test_nothing_is_sent_for_a_rolled_back_write(city, officer):
    board, _ = await _board(officer, "11311")

    def work():
        from surveys.services import household_upsert
        from tests.factories import household

        with pytest.raises(RuntimeError), transaction.atomic():
            household_upsert(data=household(city.village_a1, "R-1"), round_year=ROUND)
            raise RuntimeError("rolled back")

    await sync_to_async(work)()
    assert await _drain(board) == []
    await board.disconnect()


async def test_conflict_opened_and_closed(city, officer, surveyor):
    phone = await sync_to_async(api_client)(surveyor)
    officer_client = await sync_to_async(api_client)(officer)
    household_id = str(uuid.uuid4())
    await sync_to_async(push)(
        phone, [op("household.upsert", household_id, household_data(city.village_a1, "C-1"))]
    )
    await sync_to_async(officer_client.patch)(
        f"/api/households/{household_id}/?round={ROUND}", {"address": "Số 7"}, format="json"
    )
    board, _ = await _board(officer, "11311")
    change = op(
        "household.upsert",
        household_id,
        {"address": "Số 9"},
        base_version=1,
        base={"address": "Số 1"},
    )
    result = (await sync_to_async(push)(phone, [change])).json()["results"][0]
    assert result["status"] == "conflict"
    opened = [e for e in await _drain(board) if e["type"] == "conflict.opened"]
    assert opened == [
        {
            "type": "conflict.opened",
            "conflict": result["conflict_id"],
            "commune": "11311",
            "round": ROUND,
            "household": household_id,
            "entity": "household",
            "kind": "fields",
            "user": "gv",
            "at": opened[0]["at"],
        }
    ]
    url = f"/api/sync/conflicts/{result['conflict_id']}/resolve"
    response = await sync_to_async(officer_client.post)(
        url, {"fields": {"address": "mine"}}, format="json"
    )
    assert response.status_code == 200
    closed = [e for e in await _drain(board) if e["type"] == "conflict.closed"]
    assert (
        len(closed) == 1
        and closed[0]["conflict"] == result["conflict_id"]
        and closed[0]["user"] == "xa"
    )
    await board.disconnect()


async def test_duplicate_queued_and_decided(city, officer):
    board, _ = await _board(officer, "11311")
    twin = member(
        full_name="Trần Thị Lan",
        sex="female",
        birth_year=1990,
        birth_month=5,
        birth_day=2,
        national_id="",
    )

    def work():
        make_household(city.village_a1, "D-1", members=[dict(twin)])
        make_household(city.village_a2, "D-2", members=[{**twin, "id": str(uuid.uuid4())}])

    await sync_to_async(work)()
    queued = [e for e in await _drain(board) if e["type"] == "duplicate.queued"]
    assert (
        queued
        and queued[0]["commune"] == "11311"
        and queued[0]["round"] == ROUND
        and queued[0]["pairs"] >= 1
    )

    def decide():
        from dedup.models import DuplicatePair
        from dedup.services import pair_decide

        pair = DuplicatePair.objects.get()
        pair_decide(pair=pair, user=officer, decision="different", round_year=ROUND)
        return pair.pk

    pair_id = await sync_to_async(decide)()
    decided = [e for e in await _drain(board) if e["type"] == "duplicate.decided"]
    assert len(decided) == 1
    assert (
        decided[0]["pair"] == pair_id
        and decided[0]["status"] == "different"
        and decided[0]["communes"] == ["11311"]
    )
    assert decided[0]["user"] == "xa"
    await board.disconnect()


async def test_indicators_refreshed_and_sign_off_events(city, officer):
    board, _ = await _board(officer, "11311")

    def work():
        from surveys.signoff import reopen, sign_off

        make_household(city.village_a1, "S-1")  # the eager refresh announces new figures
        sign_off(user=officer, commune=city.commune_a, round_year=ROUND, note="Đủ")
        reopen(user=officer, commune=city.commune_a, round_year=ROUND, reason="Sót hộ")

    await sync_to_async(work)()
    events = await _drain(board)
    refreshed = [e for e in events if e["type"] == "indicators.refreshed"]
    assert refreshed and refreshed[0]["round"] == ROUND and "11311" in refreshed[0]["communes"]
    signed = [e for e in events if e["type"] == "commune.signed_off"]
    reopened = [e for e in events if e["type"] == "commune.reopened"]
    assert signed == [
        {
            "type": "commune.signed_off",
            "commune": "11311",
            "round": ROUND,
            "user": "xa",
            "note": "Đủ",
            "at": signed[0]["at"],
        }
    ]
    assert reopened == [
        {
            "type": "commune.reopened",
            "commune": "11311",
            "round": ROUND,
            "user": "xa",
            "reason": "Sót hộ",
            "at": reopened[0]["at"],
        }
    ]
    await board.disconnect()


async def test_a_correction_after_sign_off_is_announced(city, officer):
    def setup():
        from surveys.signoff import sign_off

        made = make_household(city.village_a1, "K-1")
        sign_off(user=officer, commune=city.commune_a, round_year=ROUND)
        return made

    made = await sync_to_async(setup)()
    board, _ = await _board(officer, "11311")
    client = await sync_to_async(api_client)(officer)
    response = await sync_to_async(client.patch)(
        f"/api/households/{made.pk}/?round={ROUND}",
        {"address": "Số 3", "reason": "Sai địa chỉ"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    corrections = [e for e in await _drain(board) if e["type"] == "correction.after_signoff"]
    assert corrections == [
        {
            "type": "correction.after_signoff",
            "commune": "11311",
            "round": ROUND,
            "household": str(made.pk),
            "user": "xa",
            "reason": "Sai địa chỉ",
            "at": corrections[0]["at"],
        }
    ]
    await board.disconnect()


async def test_a_surveyor_has_no_board(city, surveyor):
    await _refused(
        surveyor, "11311"
    )  # a surveyor's scope is their villages; boards are for supervisors
