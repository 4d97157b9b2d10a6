import json
import threading
import uuid

import pytest
from django.test import Client
from rest_framework.test import APIClient

from surveys.models import Change, Household
from sync.limits import IN_FLIGHT, SyncThrottle
from sync.models import OpLog
from sync.tests.helpers import DEVICE, new_household_ops, op, push
from tests.factories import make_user


@pytest.mark.django_db
def test_more_than_200_ops_is_413_with_a_message(phone, city):
    ops = [op("visit.record", uuid.uuid4(), {"date": "2025-09-20"}) for _ in range(201)]
    response = push(phone, ops)
    assert response.status_code == 413 and "200" in response.json()["message"]


@pytest.mark.django_db
def test_a_body_over_2_mb_is_413(phone, city):
    ops = [op("household.upsert", uuid.uuid4(), {"note": "x" * 15_000}) for _ in range(150)]
    response = push(phone, ops)
    assert response.status_code == 413 and response.json()["message"]
    assert not Household.objects.exists()


@pytest.mark.django_db
def test_a_bad_envelope_names_the_fields(phone):
    response = phone.post(
        "/api/sync/push", {"device": "nope", "round": "2025", "ops": {}}, format="json"
    )
    assert response.status_code == 400 and set(response.json()["errors"]) == {
        "device",
        "round",
        "ops",
    }
    not_json = phone.post("/api/sync/push", "{oops", content_type="application/json")
    assert not_json.status_code == 400 and not_json.json()["message"]


@pytest.mark.django_db
def test_the_rate_limit_answers_429_with_retry_after(phone, city, monkeypatch):
    monkeypatch.setattr(SyncThrottle, "THROTTLE_RATES", {"sync": "2/min"})
    from django.core.cache import cache

    cache.clear()
    assert phone.get("/api/sync/pull").status_code == 200
    assert phone.get("/api/sync/pull").status_code == 200
    limited = phone.get("/api/sync/pull")
    assert (
        limited.status_code == 429 and int(limited["Retry-After"]) > 0 and limited.json()["message"]
    )
    cache.clear()


@pytest.mark.django_db
def test_an_overloaded_process_answers_503_with_retry_after_and_loses_nothing(
    phone, city, settings
):
    settings.SYNC_MAX_IN_FLIGHT = 1
    _household_id, ops = new_household_ops(city.village_a1)
    IN_FLIGHT.enter(1)  # another push is being served
    try:
        response = push(phone, ops)
    finally:
        IN_FLIGHT.leave()
    assert response.status_code == 503 and 5 <= int(response["Retry-After"]) <= 30
    assert "máy" in response.json()["message"] and not Household.objects.exists()
    assert push(phone, ops).status_code == 200 and Household.objects.count() == 1


@pytest.mark.django_db
def test_push_with_the_browser_session_needs_csrf(city):
    user = make_user("gv", "surveyor", city.village_a1)
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(user)
    _household_id, ops = new_household_ops(city.village_a1)
    assert push(browser, ops).status_code == 403
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get("/")  # a page with a form sets the CSRF cookie, as the app's pages do
    token = client.cookies["csrftoken"].value
    body = json.dumps({"device": str(DEVICE), "round": 2025, "ops": ops})
    response = client.post(
        "/api/sync/push", body, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 200 and Household.objects.count() == 1


@pytest.mark.django_db
def test_push_with_a_token(city):
    make_user("gv", "surveyor", city.village_a1, password="mật-khẩu-thử-123")
    client = APIClient()
    token = client.post(
        "/api/auth/token/", {"username": "gv", "password": "mật-khẩu-thử-123"}, format="json"
    ).json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    _household_id, ops = new_household_ops(city.village_a1)
    assert push(client, ops).status_code == 200
    assert APIClient().post("/api/sync/push", {}, format="json").status_code in (401, 403)


@pytest.mark.django_db(transaction=True)
def test_racing_replays_apply_once(city):
    user = make_user("gv", "surveyor", city.village_a1)
    _household_id, ops = new_household_ops(city.village_a1)
    barrier = threading.Barrier(3)
    replies = []

    def send():
        from django.db import connection

        client = APIClient()
        client.force_authenticate(user)
        barrier.wait()
        try:
            replies.append(push(client, ops).json()["results"])
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(replies) == 3
    for index in range(len(ops)):
        assert sorted(r[index]["status"] for r in replies) == ["applied", "duplicate", "duplicate"]
    assert Household.objects.count() == 1 and OpLog.objects.count() == 4
    assert Change.objects.filter(entity="resident").count() == 2
