import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from register.timeline import timeline
from surveys.models import Change, Resident
from sync.tests.helpers import op, push
from tests.factories import ROUND

pytestmark = pytest.mark.django_db


def test_the_timeline_shows_every_change_old_to_new_with_its_source(
    city, people, phone, officer, officer_client
):
    nam = Resident.objects.get(full_name="Nguyễn Văn Nam")
    push(
        phone,
        [
            op(
                "resident.upsert",
                nam.pk,
                {"guardian_name": "Bà Lan"},
                base_version=1,
                base={"guardian_name": ""},
            )
        ],
    )
    body = {
        "entity": "resident",
        "entity_id": str(nam.pk),
        "base_version": 2,
        "base": {"birth_year": 1985},
        "changes": {"birth_year": 1986},
        "round": ROUND,
    }
    correction = officer_client.post("/api/register/corrections/", body, format="json").json()
    changes = list(Change.objects.filter(entity_id=nam.pk).order_by("-seq"))
    assert len(changes) == 3  # created, phone edit, register correction
    page = timeline(entity_ids=[nam.pk])
    assert [e["seq"] for e in page["entries"]] == [c.seq for c in changes]
    newest, phone_edit, created = page["entries"]
    assert newest["fields"] == [
        {"field": "birth_year", "label": "Năm sinh", "old": "1985", "new": "1986"}
    ]
    assert newest["source_info"]["kind"] == "register" and newest["source_info"]["url"].endswith(
        f"/corrections/{correction['id']}/"
    )
    assert newest["user"] == "xa"
    assert phone_edit["fields"][0]["old"] == "—" and phone_edit["fields"][0]["new"] == "Bà Lan"
    assert phone_edit["source_info"]["kind"] == "sync" and phone_edit["user"] == "gv"
    assert created["action"] == "create" and created["source_info"]["kind"] == "api"

    client = APIClient()
    client.force_login(officer)
    html = client.get(f"/register/people/{nam.pk}/").content.decode()
    assert html.count('<li data-seq="') == 3
    assert re.search(r"1985</td><td>→</td><td class=\"new\">1986", html)
    assert re.search(r"\d\d/\d\d/\d{4} \d\d:\d\d", html)  # dd/mm/yyyy


def test_old_values_are_derived_from_the_previous_change_when_missing(city, people):
    nam = Resident.objects.get(full_name="Nguyễn Văn Nam")
    first = Change.objects.filter(entity_id=nam.pk).get()
    Change.objects.create(
        seq=first.seq + 1000,
        entity="resident",
        entity_id=nam.pk,
        household_id=nam.household_id,
        commune_id=nam.commune_id,
        action="update",
        version=2,
        fields={"birth_year": 1990},
    )
    entry = timeline(entity_ids=[nam.pk])["entries"][0]
    assert entry["fields"] == [
        {"field": "birth_year", "label": "Năm sinh", "old": "1985", "new": "1990"}
    ]


def test_the_household_timeline_costs_the_same_queries_for_many_changes(city, people, phone):
    household = people["a1"]

    def count():
        with CaptureQueriesContext(connection) as queries:
            timeline(household_id=household.pk, entity_ids=[household.pk])
        return len(queries)

    nam = Resident.objects.get(full_name="Nguyễn Văn Nam")
    push(phone, [op("resident.upsert", nam.pk, {"guardian_name": "Bà A"}, base_version=1)])
    before = count()
    assert before == 2  # the changes, and the phones' operations (devices) they came from
    for version, name in enumerate(["Bà B", "Bà C", "Bà D"], start=2):
        push(phone, [op("resident.upsert", nam.pk, {"guardian_name": name}, base_version=version)])
    assert count() == before


def test_person_page_links_conflicts_duplicate_decisions_and_moves(
    city, people, phone, officer, officer_client
):
    from dedup.models import Decision, DuplicatePair

    nam = Resident.objects.get(full_name="Nguyễn Văn Nam")
    other = Resident.objects.get(full_name="Trần Văn Ba")
    push(
        phone,
        [
            op(
                "resident.upsert",
                nam.pk,
                {"birth_year": 1984},
                base_version=1,
                base={"birth_year": 1985},
            )
        ],
    )
    body = {
        "entity": "resident",
        "entity_id": str(nam.pk),
        "base_version": 1,
        "base": {"birth_year": 1985},
        "changes": {"birth_year": 1986},
        "round": ROUND,
    }
    conflict_id = officer_client.post("/api/register/corrections/", body, format="json").json()[
        "conflict_id"
    ]
    pair = DuplicatePair.objects.create(
        left=nam, right=other, score=0.9, round=ROUND, status="moved", survivor=other, absorbed=nam
    )
    Decision.objects.create(pair=pair, kind="moved", user=officer, round=ROUND)
    client = APIClient()
    client.force_login(officer)
    html = client.get(f"/register/people/{nam.pk}/").content.decode()
    assert f"/api/sync/conflicts/{conflict_id}/" in html
    assert f"/dedup/{pair.pk}/" in html and f"/register/people/{other.pk}/" in html
