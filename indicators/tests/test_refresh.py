"""Fresh after every change: sync and edits mark communes stale; after commit they are recounted once."""

import uuid

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from boards.tests.helpers import listen_while
from indicators import services, tasks
from indicators.models import AreaFigures
from indicators.tests.helpers import people
from server.celery import app
from server.events import group_name
from surveys.models import StaleCommune
from surveys.services import round_ensure
from tests.factories import ROUND, child, make_user, member

DEVICE = "00000000-0000-4000-8000-00000000abcd"


def _op(kind: str, entity_id, data: dict) -> dict:
    return {
        "op_id": str(uuid.uuid4()),
        "kind": kind,
        "entity_id": str(entity_id),
        "base_version": None,
        "base": {},
        "data": data,
    }


def household_ops(village, number: str, members: list[dict]) -> list[dict]:
    """A new household as a phone pushes it: the household, its residents, the visit."""
    household_id = uuid.uuid4()
    fields = {
        "village": village.code,
        "number": number,
        "address": "Số 1",
        "residence": "permanent",
        "phone": "",
        "note": "",
    }
    ops = [_op("household.upsert", household_id, fields)]
    for m in members:
        ops.append(
            _op(
                "resident.upsert",
                m["id"],
                {**{k: v for k, v in m.items() if k != "id"}, "household": str(household_id)},
            )
        )
    ops.append(
        _op("visit.record", household_id, {"household": str(household_id), "date": "2025-09-20"})
    )
    return ops


def five_year_old(**overrides) -> dict:
    return child(
        full_name="Lê Minh An",
        birth_year=ROUND - 5,
        preschool_completed_year=None,
        primary_completed_year=None,
        highest_grade_completed=0,
        enrollment={"round": ROUND, "level": "preschool", "grade": 5, "school": "MN"},
        **overrides,
    )


@pytest.fixture
def phone(city):
    client = APIClient()
    client.force_authenticate(make_user("gv", "surveyor", city.village_a1))
    return client


def push(client, ops):
    response = client.post(
        "/api/sync/push", {"device": DEVICE, "round": ROUND, "ops": ops}, format="json"
    )
    assert response.status_code == 200, response.content
    assert {r["status"] for r in response.json()["results"]} == {"applied"}, response.json()
    return response


def figures_of(area, rules_name="nd20-2014"):
    return AreaFigures.objects.get(area=area, round_id=ROUND, rules__name=rules_name).figures


@pytest.mark.django_db(transaction=True)
def test_a_sync_push_refreshes_the_commune_district_and_city_after_commit(city, phone):
    push(phone, household_ops(city.village_a1, "T01-001", [member(), five_year_old()]))
    assert not StaleCommune.objects.exists()
    for area in (city.commune_a, city.district, city.city):
        figs = figures_of(area)
        assert (
            figs["cohorts"]["5"]["total"] == 1
            and figs["indicators"]["mn5_attending"]["numerator"] == 1
        )
    assert figures_of(city.city, "two-tier-2025")["cohorts"]["40"]["total"] == 1
    # a commune never counted is counted once so that the city is complete; counted ones are left alone
    assert figures_of(city.commune_b)["cohorts"]["40"]["total"] == 0


@pytest.mark.django_db(transaction=True)
def test_a_later_edit_is_refreshed_too(city, phone):
    kid = five_year_old()
    push(phone, household_ops(city.village_a1, "T01-001", [member(), kid]))
    edit = _op("resident.upsert", kid["id"], {"enrollment": None})
    edit["base_version"] = 1
    push(phone, [edit])
    assert figures_of(city.commune_a)["indicators"]["mn5_attending"] == {
        "numerator": 0,
        "denominator": 1,
        "rate": 0.0,
    }
    assert figures_of(city.city)["indicators"]["mn5_attending"]["numerator"] == 0


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_200_ops_costs_one_recount_per_commune(city, phone, monkeypatch):
    counted = []
    real = services.recount
    monkeypatch.setattr(
        services, "recount", lambda **kw: counted.append(kw["commune_ids"]) or real(**kw)
    )
    ops = []
    for n in range(40):
        ops += household_ops(city.village_a1, f"T01-{n:03d}", [member(), five_year_old(), child()])
    assert len(ops) == 200
    push(phone, ops)
    assert counted.count([city.commune_a.pk]) == 1
    assert figures_of(city.commune_a)["cohorts"]["5"]["total"] == 40


@pytest.mark.django_db(transaction=True)
def test_an_edit_through_the_rest_api_is_refreshed(city):
    client = APIClient()
    client.force_authenticate(make_user("xa", "commune_officer", city.commune_b))
    body = {
        "id": str(uuid.uuid4()),
        "village": city.village_b1.code,
        "number": "B-1",
        "residence": "permanent",
        "visit": {"round": ROUND, "date": "2025-09-14"},
        "members": [member(), five_year_old()],
    }
    assert client.post(f"/api/households/?round={ROUND}", body, format="json").status_code == 201
    assert figures_of(city.commune_b)["cohorts"]["5"]["total"] == 1
    response = client.get(f"/api/indicators/{city.commune_b.code}/?round={ROUND}")
    assert response.json()["stale"] is False and response.json()["difficult"] is True


@pytest.mark.django_db(transaction=True)
def test_the_refresh_is_announced_to_the_boards_of_the_commune_district_and_city(city, phone):
    round_ensure(year=ROUND)
    services.area_refresh(area=city.city, round_year=ROUND)  # every commune counted once already
    groups = [group_name(code) for code in ("11311", "303", "31", "11602")]
    got = listen_while(
        groups,
        lambda: push(phone, household_ops(city.village_a1, "T01-001", [member(), five_year_old()])),
    )
    messages = [m for m in got if m["event"]["type"] == "indicators.refreshed"]
    assert (
        len(messages) == 3
    )  # one per group of the commune, its district and its city; none for commune B
    assert messages[0]["type"] == "board.event"
    assert messages[0]["event"] == {
        "type": "indicators.refreshed",
        "round": ROUND,
        "communes": ["11311"],
        "areas": ["11311", "303", "31"],
    }


@pytest.mark.django_db
def test_a_mark_renewed_while_the_refresh_runs_is_kept_for_the_next_one(city, monkeypatch):
    people(city.village_a1, age=5)
    StaleCommune.objects.create(commune=city.commune_a, round_id=ROUND, marked_at=timezone.now())
    real = services.recount

    def recount_while_someone_writes(**kw):
        StaleCommune.objects.filter(commune=city.commune_a).update(marked_at=timezone.now())
        return real(**kw)

    monkeypatch.setattr(services, "recount", recount_while_someone_writes)
    assert services.stale_refresh(commune_ids=[city.commune_a.pk]) == 1
    assert StaleCommune.objects.filter(commune=city.commune_a).exists()
    monkeypatch.setattr(services, "recount", real)
    services.stale_refresh(commune_ids=[city.commune_a.pk])
    assert not StaleCommune.objects.exists()


@pytest.mark.django_db
def test_stale_figures_say_so_until_refreshed(city):
    client = APIClient()
    client.force_authenticate(make_user("tp", "city_staff", city.city))
    people(city.village_a1, age=5)
    assert client.get(f"/api/indicators/31/?round={ROUND}").json()["stale"] is False
    StaleCommune.objects.create(commune=city.commune_a, round_id=ROUND, marked_at=timezone.now())
    assert client.get(f"/api/indicators/31/?round={ROUND}").json()["stale"] is True
    assert client.get(f"/api/indicators/11602/?round={ROUND}").json()["stale"] is False


class _Change:
    def __init__(self, commune_id):
        self.commune_id = commune_id


def test_with_a_worker_a_burst_enqueues_one_delayed_task_per_commune(monkeypatch):
    sent = []
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    monkeypatch.setattr(tasks.refresh_stale, "apply_async", lambda **kw: sent.append(kw))
    monkeypatch.setattr(tasks, "_recently_enqueued", {})
    cache.delete_many([tasks._pending_key(pk) for pk in (901, 902)])
    try:
        for _ in range(200):
            tasks.changes_committed([_Change(901), _Change(902)])
        assert sent == [{"args": [[901, 902]], "countdown": tasks.REFRESH_DELAY}]
        monkeypatch.setattr(tasks, "_recently_enqueued", {})
        tasks.changes_committed([_Change(901)])  # still pending in the cache: no second task
        assert len(sent) == 1
        cache.delete(tasks._pending_key(901))  # the task started
        tasks.changes_committed([_Change(901)])
        assert sent[-1] == {"args": [[901]], "countdown": tasks.REFRESH_DELAY}
    finally:
        cache.delete_many([tasks._pending_key(pk) for pk in (901, 902)])
