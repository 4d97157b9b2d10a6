"""Drill-down: the people in an indicator's denominator who are not in its numerator."""

import datetime

import pytest
from rest_framework.test import APIClient

from areas.models import Area
from indicators import selectors
from indicators.rulebook import rules_named
from indicators.rules import FLAG_KEYS, INDICATOR_KEYS
from indicators.tests.helpers import figures, people
from synth.services import generate
from tests.factories import ROUND, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def synthetic():
    """A small synthetic city (varied ages, schooling, disability, moves) with two districts."""
    generate(
        communes=3,
        households_per_commune=60,
        villages_per_commune=2,
        seed=5,
        round_year=ROUND,
        city_code="48",
        districts=2,
        today=datetime.date(ROUND, 11, 1),
    )
    return Area.objects.get(code="48", kind="city")


@pytest.mark.parametrize("rules_name", ["nd20-2014", "two-tier-2025"])
def test_every_list_is_exactly_the_denominator_minus_the_numerator(synthetic, rules_name):
    rules = rules_named(rules_name)
    areas = [
        synthetic,
        *Area.objects.filter(code__startswith="48", kind__in=["district", "commune"]),
    ]
    checked = 0
    for area in areas:
        figs = figures(area, rules=rules_name)
        for key in INDICATOR_KEYS:
            ids = selectors.drilldown_ids(area=area, round_year=ROUND, rules=rules, key=key)
            assert len(ids) == len(set(ids))
            if key in FLAG_KEYS:
                assert len(ids) == figs["flags"][key]["gap"]
            else:
                value = figs["indicators"][key]
                assert len(ids) == value["denominator"] - value["numerator"], (area.code, key)
            checked += len(ids)
    assert checked > 50  # the synthetic city has gaps to list


def test_the_list_holds_the_right_people_in_vietnamese_name_order(city):
    kept = people(city.village_a1, 3, age=5, names=["Trần Thị Bình", "Nguyễn Văn An", "Lê Văn An"])
    people(
        city.village_a1,
        2,
        age=5,
        level="preschool",
        grade=5,
        names=["Phạm Văn Cường", "Đỗ Thị Dung"],
    )
    people(city.village_a1, 1, age=5, disability="cannot_study", names=["Vũ Văn Em"])
    people(city.village_a1, 1, age=6, names=["Hoàng Văn Giang"])
    people(city.village_a2, 1, age=5, names=["Bùi Thị Hoa"], status="moved_out", status_year=ROUND)
    client = APIClient()
    client.force_authenticate(make_user("xa", "commune_officer", city.commune_a))
    body = client.get(f"/api/indicators/11311/drilldown/mn5_attending/?round={ROUND}").json()
    assert body["count"] == 3
    assert [p["full_name"] for p in body["results"]] == [
        "Lê Văn An",
        "Nguyễn Văn An",
        "Trần Thị Bình",
    ]
    first = body["results"][0]
    assert first == {
        "id": str(kept[2].pk),
        "full_name": "Lê Văn An",
        "birth_year": ROUND - 5,
        "age": 5,
        "sex": "male",
        "household": str(kept[2].household_id),
        "household_number": kept[2].household.number,
        "village": "11311-01",
        "village_name": "Tổ dân phố 1",
        "commune": "11311",
    }
    assert "national_id" not in first


def test_the_list_is_paginated(city):
    people(city.village_a1, 7, age=6)
    client = APIClient()
    client.force_authenticate(make_user("xa", "commune_officer", city.commune_a))
    url = f"/api/indicators/11311/drilldown/th_grade1_at6/?round={ROUND}&page_size=3"
    first, last = client.get(url).json(), client.get(url + "&page=3").json()
    assert first["count"] == 7 and len(first["results"]) == 3 and first["next"]
    assert len(last["results"]) == 1 and last["next"] is None


def test_a_surveyor_sees_the_list_of_their_village_only(city):
    people(city.village_a1, 2, age=5)
    people(city.village_a2, 3, age=5)
    client = APIClient()
    client.force_authenticate(make_user("gv", "surveyor", city.village_a1))
    assert (
        client.get(f"/api/indicators/11311-01/drilldown/mn5_attending/?round={ROUND}").json()[
            "count"
        ]
        == 2
    )
    assert (
        client.get(f"/api/indicators/11311-02/drilldown/mn5_attending/?round={ROUND}").status_code
        == 404
    )
    assert (
        client.get(f"/api/indicators/11311/drilldown/mn5_attending/?round={ROUND}").status_code
        == 404
    )


def test_out_of_scope_areas_and_unknown_indicators_are_404(city):
    people(city.village_b1, 2, age=5)
    client = APIClient()
    client.force_authenticate(make_user("q", "district_supervisor", city.district))
    assert (
        client.get(f"/api/indicators/11602/drilldown/mn5_attending/?round={ROUND}").status_code
        == 404
    )
    assert (
        client.get(f"/api/indicators/01/drilldown/mn5_attending/?round={ROUND}").status_code == 404
    )
    assert (
        client.get(f"/api/indicators/303/drilldown/no_such_key/?round={ROUND}").status_code == 404
    )
    assert (
        client.get(f"/api/indicators/303/drilldown/mn5_attending/?round={ROUND}").json()["count"]
        == 0
    )


def test_the_flag_list_names_the_11_year_olds_outside_primary(city):
    people(city.village_a1, age=11, primary_completed_year=ROUND, level="lower_secondary", grade=6)
    people(city.village_a1, age=11, level="primary", grade=5)
    outside = people(city.village_a1, age=11, names=["Ngô Văn Khánh"])
    client = APIClient()
    client.force_authenticate(make_user("xa", "commune_officer", city.commune_a))
    body = client.get(
        f"/api/indicators/11311/drilldown/th_11_rest_in_primary/?round={ROUND}"
    ).json()
    assert [p["id"] for p in body["results"]] == [str(outside[0].pk)]
