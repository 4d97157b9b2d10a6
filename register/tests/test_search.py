import pytest
from rest_framework.test import APIClient

from areas.access import scope_q
from surveys.models import Resident
from surveys.text import vi_name_sort_key
from tests.factories import api_client, make_user

pytestmark = pytest.mark.django_db


def names(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [row["full_name"] for row in response.json()["results"]]


def scoped_names(user) -> set[str]:
    return set(
        Resident.objects.filter(
            scope_q(user=user, path_field="household__village__path"), deleted_at__isnull=True
        ).values_list("full_name", flat=True)
    )


@pytest.mark.parametrize(
    ("role", "area", "expected"),
    [
        (
            "surveyor",
            "village_a1",
            {"Nguyễn Văn Nam", "Nguyễn Thị Hương", "Đặng Văn Ân", "Đặng Thị Hường"},
        ),
        (
            "commune_officer",
            "commune_a",
            {
                "Nguyễn Văn Nam",
                "Nguyễn Thị Hương",
                "Đặng Văn Ân",
                "Đặng Thị Hường",
                "Trần Văn Ba",
                "Trần Thị Hà",
            },
        ),
        (
            "district_supervisor",
            "district",
            {
                "Nguyễn Văn Nam",
                "Nguyễn Thị Hương",
                "Đặng Văn Ân",
                "Đặng Thị Hường",
                "Trần Văn Ba",
                "Trần Thị Hà",
            },
        ),
        (
            "city_staff",
            "city",
            {
                "Nguyễn Văn Nam",
                "Nguyễn Thị Hương",
                "Đặng Văn Ân",
                "Đặng Thị Hường",
                "Trần Văn Ba",
                "Trần Thị Hà",
                "Lê Văn Hùng",
                "Lê Thị Hương",
            },
        ),
        ("commune_officer", "commune_b", {"Lê Văn Hùng", "Lê Thị Hương"}),
    ],
)
def test_search_covers_exactly_the_scope_of_each_role(city, people, role, area, expected):
    user = make_user("u", role, getattr(city, area))
    found = set(names(api_client(user).get("/api/register/people/?page_size=200")))
    assert found == expected == scoped_names(user)
    households = api_client(user).get("/api/register/households/?page_size=200").json()["results"]
    assert {h["id"] for h in households} == {
        str(h.pk) for h in people.values() if h.village.path.startswith(getattr(city, area).path)
    }


def test_out_of_scope_person_is_not_found_by_name_and_page_is_404(
    city, people, officer_client, officer
):
    assert names(officer_client.get("/api/register/people/?q=Phạm Văn")) == []
    other = people["other"].members.get()
    client = APIClient()
    client.force_login(officer)
    assert client.get(f"/register/people/{other.pk}/").status_code == 404
    assert client.get(f"/register/households/{people['other'].pk}/").status_code == 404
    assert client.get(f"/register/people/{people['a1'].members.first().pk}/").status_code == 200


def test_anonymous_gets_nothing(people):
    response = APIClient().get("/api/register/people/")
    assert response.status_code in (401, 403)
    page = APIClient().get("/register/")
    assert page.status_code == 302 and "/login/" in page["Location"]


def test_name_search_ignores_diacritics_and_case_and_matches_parts(city, people, city_staff):
    client = api_client(city_staff)
    assert set(names(client.get("/api/register/people/?q=huong"))) == {
        "Nguyễn Thị Hương",
        "Đặng Thị Hường",
        "Lê Thị Hương",
    }
    assert set(names(client.get("/api/register/people/?q=HƯỜNG"))) == {
        "Nguyễn Thị Hương",
        "Đặng Thị Hường",
        "Lê Thị Hương",
    }
    assert names(client.get("/api/register/people/?q=dang van")) == ["Đặng Văn Ân"]
    # each word is a part of the name, anywhere in it
    assert names(client.get("/api/register/people/?q=ung")) == ["Lê Văn Hùng"]
    assert set(names(client.get("/api/register/people/?q=tra"))) == {"Trần Văn Ba", "Trần Thị Hà"}
    assert names(client.get("/api/register/people/?q=nguy hu")) == ["Nguyễn Thị Hương"]
    assert names(client.get("/api/register/people/?q=xyz")) == []


def test_results_come_in_the_vietnamese_order(city, people, city_staff):
    found = names(api_client(city_staff).get("/api/register/people/?page_size=200"))
    assert found == sorted(found, key=vi_name_sort_key)
    # given name first: Ân < Ba < Hà < Hùng < Hương (Nguyễn, then Lê by family) < Hường < Nam
    assert found[:3] == ["Đặng Văn Ân", "Trần Văn Ba", "Trần Thị Hà"]
    assert (
        found.index("Lê Thị Hương")
        < found.index("Nguyễn Thị Hương")
        < found.index("Đặng Thị Hường")
    )


def test_filters_birth_year_village_household_number_status(city, people, officer_client):
    assert set(names(officer_client.get("/api/register/people/?birth_year=2014"))) == {
        "Đặng Thị Hường",
        "Trần Thị Hà",
        "Nguyễn Thị Hương",
    }
    assert set(
        names(officer_client.get("/api/register/people/?birth_year=2014&village=11311-02"))
    ) == {"Trần Thị Hà"}
    assert set(names(officer_client.get("/api/register/people/?household_number=A1-002"))) == {
        "Đặng Văn Ân",
        "Đặng Thị Hường",
    }
    assert names(officer_client.get("/api/register/people/?status=moved_out")) == []
    bad = officer_client.get("/api/register/people/?birth_year=abc&status=gone")
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"birth_year", "status"}
    households = officer_client.get("/api/register/households/?q=huong").json()["results"]
    assert [h["number"] for h in households] == ["A1-001", "A1-002"]


def test_national_id_filter_and_masking_depend_on_the_role(
    city, people, officer_client, city_staff
):
    found = officer_client.get("/api/register/people/?national_id=031085001234").json()["results"]
    assert [(r["full_name"], r["national_id"]) for r in found] == [
        ("Nguyễn Văn Nam", "031085001234")
    ]
    staff = api_client(city_staff)
    refused = staff.get("/api/register/people/?national_id=031085001234")
    assert refused.status_code == 400 and "national_id" in refused.json()["errors"]
    shown = {
        r["full_name"]: r["national_id"]
        for r in staff.get("/api/register/people/?q=nam").json()["results"]
    }
    assert shown["Nguyễn Văn Nam"] != "031085001234" and shown["Nguyễn Văn Nam"].endswith("1234")


def test_search_is_paginated_and_audited(city, people, city_staff):
    from audit.models import AuditEvent

    body = api_client(city_staff).get("/api/register/people/?page_size=3").json()
    assert (
        body["count"] == 8
        and body["count_capped"] is False
        and len(body["results"]) == 3
        and body["next"]
    )
    second = api_client(city_staff).get("/api/register/people/?page_size=3&page=2").json()
    assert not {r["id"] for r in second["results"]} & {r["id"] for r in body["results"]}
    assert AuditEvent.objects.filter(user=city_staff, action="search").count() == 2


def test_search_page_renders_results_for_keyboard_use(city, people, officer):
    client = APIClient()
    client.force_login(officer)
    page = client.get("/register/?q=huong")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Nguyễn Thị Hương" in html and "Lê Thị Hương" not in html  # commune B is out of scope
    assert "autofocus" in html and "register/register.js" in html and "data-results" in html
    assert "<script>" not in html and "onclick" not in html


def test_every_writer_stores_the_vietnamese_sort_key(city, people):
    """The write path (above), the synthetic loader, and the migration's backfill function."""
    import importlib

    from django.db import connection

    from surveys.text import vi_sort_key_text
    from synth.services import generate

    generate(
        communes=1,
        villages_per_commune=2,
        households_per_commune=30,
        seed=3,
        round_year=2025,
        city_code="32",
    )
    rows = list(Resident.objects.values_list("full_name", "sort_key"))
    assert len(rows) > 60 and all(key == vi_sort_key_text(name) and key for name, key in rows)
    Resident.objects.update(sort_key="")
    backfill = importlib.import_module("surveys.migrations.0007_register_search").backfill_sort_key
    from django.apps import apps

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection
    backfill(apps, editor)
    assert all(
        key == vi_sort_key_text(name)
        for name, key in Resident.objects.values_list("full_name", "sort_key")
    )


def test_capped_and_uncapped_pages_give_the_same_order(city, people, city_staff, monkeypatch):
    """Many matches: ids first by an index walk; few: a sort of the matches. Same rows, same order."""
    from register import selectors

    client = api_client(city_staff)
    few = [
        r["id"] for r in client.get("/api/register/people/?page_size=3&page=2").json()["results"]
    ]
    monkeypatch.setattr(selectors, "COUNT_CAP", 4)
    many = client.get("/api/register/people/?page_size=3&page=2").json()
    assert many["count_capped"] is True and many["count"] == 4
    assert [r["id"] for r in many["results"]] == few and len(few) == 3
    everyone = names(api_client(city_staff).get("/api/register/people/?page_size=200"))
    assert everyone == sorted(everyone, key=vi_name_sort_key)
