"""What keeps writes going when a backing service fails (docs/reliability.md); the same
failures with real servers are in tests/faults."""

from unittest import mock

import pytest
from celery.app.task import Task as CeleryTask
from django.core.cache import cache
from django.db import OperationalError
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError

from server.celery import BREAKER, BrokerUnavailable, app
from server.errors import exception_handler
from surveys.models import Household
from sync.tests.helpers import new_household_ops, push


@pytest.mark.django_db
def test_the_sync_rate_limit_lets_writes_through_when_the_cache_is_down(phone, city):
    _household_id, ops = new_household_ops(city.village_a1)
    with mock.patch.object(cache, "get", side_effect=RedisConnectionError("Connection refused")):
        response = push(phone, ops)
    assert response.status_code == 200, response.content
    assert [r["status"] for r in response.json()["results"]] == ["applied"] * len(ops)
    assert Household.objects.count() == 1


def test_an_unreachable_database_is_503_with_retry_after_and_a_message():
    response = exception_handler(OperationalError("connection refused"), {})
    assert response.status_code == 503
    assert 2 <= int(response["Retry-After"]) <= 10
    assert response.data["message"] and response.data["errors"] == {}


def test_a_failed_publish_pauses_the_broker_instead_of_retrying_each_task():
    @app.task(name="tests.resilience.noop")
    def noop():
        return None

    BREAKER.close()
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        _publish_twice(noop)
    finally:
        app.conf.task_always_eager = eager
        BREAKER.close()


def _publish_twice(noop):
    with mock.patch.object(
        CeleryTask, "apply_async", side_effect=BrokerError("Connection refused")
    ) as publish:
        with pytest.raises(BrokerError):
            noop.delay()
        with pytest.raises(BrokerUnavailable):  # at once, without asking the broker again
            noop.delay()
        with pytest.raises(BrokerUnavailable):
            noop.apply_async()
        assert publish.call_count == 1
        BREAKER.close()  # the pause is over
        with pytest.raises(BrokerError):
            noop.delay()
        assert publish.call_count == 2
