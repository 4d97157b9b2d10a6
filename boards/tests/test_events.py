"""Board events go through the configured channel layer (Redis with REDIS_URL), after commit only."""

import pytest
from django.db import transaction

from boards.tests.helpers import listen_while
from server.events import group_name, publish_on_commit


@pytest.mark.django_db(transaction=True)
def test_an_event_reaches_each_area_group_after_commit_only():
    event = {"type": "indicators.refreshed", "round": 2025, "communes": ["11311"]}
    before_commit = []

    def work():
        with transaction.atomic():
            publish_on_commit(["31", "11311", "31"], event)
            before_commit.append(len(transaction.get_connection().run_on_commit))

    got = listen_while([group_name("31"), group_name("11311")], work)
    assert before_commit == [1]
    assert got == [{"type": "board.event", "event": event}] * 2


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_sends_nothing():
    def work():
        with pytest.raises(RuntimeError), transaction.atomic():
            publish_on_commit(["31"], {"type": "indicators.refreshed"})
            raise RuntimeError("boom")

    assert listen_while([group_name("31")], work) == []


def test_an_event_needs_a_type():
    with pytest.raises(ValueError, match="type"):
        publish_on_commit(["31"], {"round": 2025})


def test_group_names_are_valid_for_the_channel_layer():
    assert group_name("11311-01") == "board.11311-01"
