import pytest
from django.db import transaction

from surveys.models import StaleCommune
from surveys.recording import _listeners, on_changes_committed, remove_listener
from surveys.services import household_upsert
from tests.factories import ROUND, household

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def received():
    calls = []

    def listener(changes):
        calls.append([(c.entity, c.action) for c in changes])

    on_changes_committed(listener)
    yield calls
    remove_listener(listener)


def test_listeners_receive_the_changes_after_commit_only(city, received):
    with transaction.atomic():
        household_upsert(data=household(city.village_a1), round_year=ROUND)
        assert received == []
    assert len(received) == 1
    assert sorted(received[0]) == [
        ("household", "create"),
        ("resident", "create"),
        ("resident", "create"),
        ("visit", "create"),
    ]


def test_a_rolled_back_write_reaches_no_listener_and_marks_nothing(city, received):
    with pytest.raises(RuntimeError), transaction.atomic():
        household_upsert(data=household(city.village_a1), round_year=ROUND)
        raise RuntimeError("boom")
    assert received == [] and not StaleCommune.objects.exists()


def test_a_change_marks_its_commune_stale_for_the_round(city, received):
    # checked before commit: after it, the indicator refresh (a listener) recounts and clears the marks
    with transaction.atomic():
        household_upsert(data=household(city.village_a1), round_year=ROUND)
        household_upsert(data=household(city.village_b1), round_year=ROUND)
        assert sorted(StaleCommune.objects.values_list("commune__code", "round_id")) == [
            ("11311", ROUND),
            ("11602", ROUND),
        ]


def test_a_failing_listener_does_not_stop_the_others(city, received):
    def broken(changes):
        raise ValueError("listener bug")

    _listeners.insert(0, broken)  # runs before the fixture's listener
    try:
        household_upsert(data=household(city.village_a1), round_year=ROUND)
    finally:
        remove_listener(broken)
    assert len(received) == 1
