"""Board counters: kept by the write path, equal to a rebuild from scratch, never from residents on read."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from boards.counters import EXPECTED, VISITED, rebuild, values_of
from boards.models import Counter
from surveys.models import Household
from surveys.recording import recording
from surveys.services import household_delete
from sync.tests.helpers import household_data, new_household_ops, op, push
from tests.factories import ROUND, api_client, make_household, make_user

# The counters are kept after commit: these tests commit for real.
pytestmark = pytest.mark.django_db(transaction=True)


def _table() -> dict:
    return {
        (a, k): v
        for a, k, v in Counter.objects.filter(round=ROUND)
        .exclude(value=0)
        .values_list("area", "key", "value")
    }


def test_counters_follow_creates_visits_and_deletes_and_equal_a_rebuild(city, surveyor, phone):
    make_household(city.village_a1, "A-1")  # system import with a visit, no surveyor
    _id, ops = new_household_ops(city.village_a1, "A-2")
    push(phone, ops)
    second = api_client(make_user("gv2", "surveyor", city.village_b1))
    _id2, ops2 = new_household_ops(city.village_b1, "B-1")
    push(second, ops2)
    no_visit = str(Household.objects.get(number="A-1").pk)
    push(
        phone,
        [
            op(
                "household.upsert",
                "6c1f6f7e-2d0e-4a51-9c3b-3b1f0c7c9a01",
                household_data(city.village_a1, "A-3"),
            )
        ],
    )
    gone = make_household(city.village_a2, "A-4")
    with transaction.atomic(), recording(user=None, source="test", round_year=ROUND) as recorder:
        household_delete(household=Household.objects.get(pk=gone.pk), recorder=recorder)
    assert no_visit

    got = values_of(
        area_ids=[
            city.city.pk,
            city.district.pk,
            city.commune_a.pk,
            city.commune_b.pk,
            city.village_a2.pk,
        ],
        round_year=ROUND,
    )
    assert got[city.commune_a.pk][EXPECTED] == 3 and got[city.commune_a.pk][VISITED] == 2
    assert (
        got[city.village_a2.pk][EXPECTED] == 0 and got[city.village_a2.pk].get(VISITED, 0) == 0
    )  # A-4 deleted
    assert got[city.commune_b.pk][EXPECTED] == 1 and got[city.commune_b.pk][VISITED] == 1
    assert got[city.district.pk][EXPECTED] == 3  # commune B is directly under the city
    assert got[city.city.pk][EXPECTED] == 4 and got[city.city.pk][VISITED] == 3
    assert got[city.city.pk][f"user:{surveyor.pk}"] == 1
    assert got[city.city.pk]["day:2025-09-20"] == 2 and got[city.city.pk]["day:2025-09-14"] == 1

    incremental = _table()
    Counter.objects.all().delete()
    rebuild(round_year=ROUND)
    assert _table() == incremental


def test_a_recount_is_idempotent(city, phone):
    _id, ops = new_household_ops(city.village_a1, "A-2")
    push(phone, ops)
    before = _table()
    from boards.counters import villages_recount

    changed = villages_recount(village_ids=[city.village_a1.pk], round_year=ROUND)
    assert changed["areas"] == {} and _table() == before


def test_a_resident_only_push_touches_no_counter(city, phone):
    household_id, ops = new_household_ops(city.village_a1, "A-2")
    push(phone, ops[:1])
    from sync.tests.helpers import resident_data

    with CaptureQueriesContext(connection) as seen:
        push(
            phone,
            [
                op(
                    "resident.upsert",
                    "6c1f6f7e-2d0e-4a51-9c3b-3b1f0c7c9a02",
                    resident_data(household_id),
                )
            ],
        )
    assert not [q for q in seen.captured_queries if "boards_counter" in q["sql"]]


def test_the_rebuild_command(city, phone):
    from django.core.management import call_command

    _id, ops = new_household_ops(city.village_a1, "A-2")
    push(phone, ops)
    incremental = _table()
    Counter.objects.all().delete()
    call_command("boards_rebuild", "--round", str(ROUND))
    assert _table() == incremental


def test_concurrent_style_replays_do_not_double_count(city, phone):
    _id, ops = new_household_ops(city.village_a1, "A-2")
    push(phone, ops)
    push(phone, ops)  # a replay: duplicates, nothing counted twice
    got = values_of(area_ids=[city.commune_a.pk], round_year=ROUND)[city.commune_a.pk]
    assert got[EXPECTED] == 1 and got[VISITED] == 1
