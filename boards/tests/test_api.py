"""The snapshot over REST (the polling fallback), the sign-off API and the board pages."""

import pytest
from django.test import Client, override_settings

from boards.models import Activity, Counter
from sync.tests.helpers import new_household_ops, push
from tests.factories import ROUND, api_client, make_household, make_user


def test_the_snapshot_is_scoped(city, officer, supervisor_client):
    client = api_client(officer)
    assert client.get("/api/boards/11311/").status_code == 200
    assert client.get("/api/boards/303/").status_code == 404  # above the officer
    assert client.get("/api/boards/00004/").status_code == 404  # another city
    assert client.get("/api/boards/11311-01/").status_code == 404  # villages have no board
    assert supervisor_client.get("/api/boards/11311/").status_code == 200
    assert (
        supervisor_client.get("/api/boards/11602/").status_code == 404
    )  # commune B is not in the district
    assert Client().get("/api/boards/11311/").status_code in (401, 403)


@pytest.mark.django_db(transaction=True)
def test_the_district_snapshot_has_children_surveyors_queues_days_feed(
    city, supervisor_client, surveyor, phone
):
    make_user("gv2", "surveyor", city.village_a2)
    _id, ops = new_household_ops(city.village_a1, "A-1")
    push(phone, ops)
    make_household(city.village_a2, "A-2")  # by the system: no surveyor, visited 14/09
    body = supervisor_client.get(f"/api/boards/303/?round={ROUND}").json()
    assert (
        body["type"] == "snapshot"
        and body["round"] == ROUND
        and body["websocket"] == "/ws/boards/303/"
    )
    assert (body["area"]["code"], body["area"]["visited"], body["area"]["expected"]) == (
        "303",
        2,
        2,
    )
    assert [(c["code"], c["visited"], c["expected"], c["board"]) for c in body["children"]] == [
        ("11311", 2, 2, "/boards/11311/")
    ]
    assert body["area"]["parent"]["code"] == "31"
    by_name = {s["username"]: s for s in body["surveyors"]}
    assert (
        by_name["gv"]["visited"] == 1
        and by_name["gv"]["last_sync"]
        and by_name["gv"]["unsynced"] is False
    )
    assert (
        by_name["gv2"]["visited"] == 0
        and by_name["gv2"]["last_sync"] is None
        and by_name["gv2"]["unsynced"] is True
    )
    assert body["phones_unsynced"] == []  # gv2 has no phone yet; gv synced just now
    assert body["days"] == [
        {"day": "2025-09-14", "visited": 1},
        {"day": "2025-09-20", "visited": 1},
    ]
    assert body["queues"]["conflicts"] == {"open": 0, "url": "/api/sync/conflicts/?status=open"}
    assert body["queues"]["duplicates"]["url"] == "/dedup/"
    assert "survey.progress" in [e["type"] for e in body["activity"]]
    assert body["signoff"]["communes"] == 1 and body["signoff"]["signed_off"] == 0
    standards = body["children"][0]["standards"]
    assert {s["programme"] for s in standards} >= {"mn5", "primary"}
    assert all(isinstance(s["met"], bool) and isinstance(s["decisive"], list) for s in standards)


def test_sign_off_and_reopen_over_the_api(city, officer, surveyor):
    client = api_client(officer)
    done = client.post(
        f"/api/boards/11311/signoff/?round={ROUND}", {"note": "Đủ hộ"}, format="json"
    )
    assert done.status_code == 200, done.json()
    assert (
        done.json()["signoff"]["is_signed_off"] is True
        and done.json()["signoff"]["can_reopen"] is True
    )
    again = client.post(f"/api/boards/11311/signoff/?round={ROUND}", {}, format="json")
    assert again.status_code == 400 and "commune" in again.json()["errors"]
    no_reason = client.post(f"/api/boards/11311/reopen/?round={ROUND}", {}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["errors"]
    reopened = client.post(
        f"/api/boards/11311/reopen/?round={ROUND}", {"reason": "Sót hộ"}, format="json"
    )
    assert reopened.status_code == 200 and reopened.json()["signoff"]["is_signed_off"] is False
    assert (
        api_client(surveyor)
        .post(f"/api/boards/11311/signoff/?round={ROUND}", {}, format="json")
        .status_code
        == 404
    )
    assert (
        client.post(f"/api/boards/00004/signoff/?round={ROUND}", {}, format="json").status_code
        == 404
    )


def test_a_supervisor_may_sign_off_a_commune_but_not_the_district(city, supervisor_client):
    assert (
        supervisor_client.post(
            f"/api/boards/11311/signoff/?round={ROUND}", {}, format="json"
        ).status_code
        == 200
    )
    assert (
        supervisor_client.post(
            f"/api/boards/303/signoff/?round={ROUND}", {}, format="json"
        ).status_code
        == 404
    )


def test_the_snapshot_never_reads_residents(city, supervisor_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_household(city.village_a1, "A-1")
    with CaptureQueriesContext(connection) as seen:
        assert supervisor_client.get("/api/boards/303/").status_code == 200
    # No read of the register's rows (open duplicate pairs join their left record by key, nothing more).
    tables = ('FROM "surveys_resident"', 'FROM "surveys_visit"', 'FROM "surveys_household"')
    assert not [q for q in seen.captured_queries if any(t in q["sql"] for t in tables)]
    assert len(seen.captured_queries) <= 30


def test_pages(city, supervisor):
    client = Client()
    client.force_login(supervisor)
    assert client.get("/boards/").url == "/boards/303/"
    page = client.get("/boards/303/")
    assert page.status_code == 200
    html = page.content.decode()
    assert (
        'id="board-snapshot"' in html
        and "boards/board.js" in html
        and "<script>"
        not in html.replace('<script id="board-snapshot" type="application/json">', "").replace(
            '<script id="board-texts" type="application/json">', ""
        )
    )
    assert " onclick=" not in html
    assert client.get("/boards/00004/").status_code == 404
    assert 'id="boards-link"' in client.get("/").content.decode()


def test_a_surveyor_has_no_board_page(city, surveyor):
    client = Client()
    client.force_login(surveyor)
    assert client.get("/boards/").status_code == 404
    assert 'id="boards-link"' not in client.get("/").content.decode()


@pytest.mark.django_db(transaction=True)
@override_settings(
    CHANNEL_LAYERS={
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"], "prefix": "pcgd_boards_down"},
        }
    }
)
def test_a_channel_layer_that_is_down_never_breaks_the_write(city, phone, caplog):
    from channels.layers import channel_layers

    channel_layers.backends.clear()  # take the broken layer
    try:
        household_id, ops = new_household_ops(city.village_a1, "A-1")
        reply = push(phone, ops)
        assert (
            reply.status_code == 200
            and [r["status"] for r in reply.json()["results"]] == ["applied"] * 4
        )
        from surveys.models import Household

        assert Household.objects.filter(pk=household_id).exists()
        assert Activity.objects.filter(type="survey.progress").exists()  # the feed is kept anyway
        assert any(
            "on_commit" in r.getMessage() or "Error calling" in r.getMessage()
            for r in caplog.records
        )
    finally:
        channel_layers.backends.clear()


def test_boards_opening_together_share_one_snapshot_but_not_the_rights(city, officer, surveyor):
    from boards import selectors

    with override_settings(BOARDS_SHARED_SNAPSHOT_SECONDS=60):
        selectors._SHARED.clear()
        first = selectors.snapshot(area=city.commune_a, user=officer, round_year=ROUND)
        Counter.objects.create(
            area=city.commune_a, round=ROUND, key="expected", value=5
        )  # nothing announced
        second = selectors.snapshot(area=city.commune_a, user=surveyor, round_year=ROUND)
        assert (
            second["area"]["expected"] == first["area"]["expected"] == 0
        )  # shared while nothing was announced
        assert (
            first["signoff"]["can_sign_off"] is True and second["signoff"]["can_sign_off"] is False
        )
        Activity.objects.create(
            at=first_at(first), codes=",11311,", type="survey.progress", event={}
        )
        third = selectors.snapshot(area=city.commune_a, user=officer, round_year=ROUND)
        assert third["area"]["expected"] == 5  # new activity: computed again
        selectors._SHARED.clear()


def first_at(snapshot):
    import datetime as dt

    return dt.datetime.fromisoformat(snapshot["at"])
