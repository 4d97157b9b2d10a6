"""The indicators API through HTTP: figures, scope, snapshots, rule sets."""

import pytest
from rest_framework.test import APIClient

from indicators import services
from indicators.models import Snapshot
from indicators.tests.helpers import good_commune, people
from surveys.services import round_ensure
from tests.factories import ROUND, make_user

pytestmark = pytest.mark.django_db

CONTRACT_INDICATORS = {
    "mn5_attending",
    "mn5_completed",
    "th_grade1_at6",
    "th_completed_at11",
    "th_11_rest_in_primary",
    "th_completed_11_14",
    "thcs_graduated_15_18",
    "thcs_upper_track_15_18",
    "lit1_15_25",
    "lit1_15_35",
    "lit2_15_35",
    "lit2_15_60",
}


def client_for(role: str, area):
    client = APIClient()
    client.force_authenticate(make_user(f"u-{role}-{area.code}", role, area))
    return client


@pytest.fixture
def counted(city):
    round_ensure(year=ROUND)
    good_commune(city.village_a1)
    people(city.village_b1, 4, age=5)
    services.area_refresh(area=city.city, round_year=ROUND)
    return city


def test_the_figures_of_a_commune_follow_the_contract(counted, django_assert_max_num_queries):
    client = client_for("commune_officer", counted.commune_a)
    with django_assert_max_num_queries(12):
        response = client.get(f"/api/indicators/11311/?round={ROUND}")
    assert response.status_code == 200
    body = response.json()
    assert (body["area"], body["round"], body["rules"], body["rules_version"]) == (
        "11311",
        ROUND,
        "nd20-2014",
        1,
    )
    assert set(body["indicators"]) == CONTRACT_INDICATORS
    assert body["indicators"]["th_11_rest_in_primary"] is True
    assert set(body["indicators"]["lit2_15_60"]) == {"numerator", "denominator", "rate"}
    assert body["standards"]["mn5"]["met"] is True and body["standards"]["primary"]["level"] == 3
    assert set(body["cohorts"]["5"]) >= {"total", "female", "minority", "female_minority", "ppc"}
    assert body["stale"] is False and body["computed_at"]


@pytest.mark.parametrize(
    ("role", "area_name", "code", "status"),
    [
        ("commune_officer", "commune_a", "11311", 200),
        ("commune_officer", "commune_a", "303", 404),
        ("commune_officer", "commune_a", "31", 404),
        ("district_supervisor", "district", "303", 200),
        ("district_supervisor", "district", "11311", 200),
        ("district_supervisor", "district", "11602", 404),
        ("city_staff", "city", "31", 200),
        ("city_staff", "city", "11602", 200),
        ("city_staff", "city", "01", 404),
        ("surveyor", "village_a1", "11311", 404),
        ("surveyor", "village_a1", "11311-01", 404),
    ],
)
def test_figures_are_visible_in_scope_only(counted, role, area_name, code, status):
    client = client_for(role, getattr(counted, area_name))
    assert client.get(f"/api/indicators/{code}/?round={ROUND}").status_code == status


def test_anonymous_users_get_nothing(counted):
    assert APIClient().get(f"/api/indicators/31/?round={ROUND}").status_code in (401, 403)


def test_an_unknown_rule_set_is_a_400_on_rules_and_an_unknown_round_a_404(counted):
    client = client_for("city_staff", counted.city)
    response = client.get(f"/api/indicators/31/?round={ROUND}&rules=nd99")
    assert response.status_code == 400 and response.json()["errors"] == {
        "rules": ["Không có bộ quy tắc nd99."]
    }
    assert client.get("/api/indicators/31/?round=2031").status_code == 404


def test_the_two_tier_rule_set_is_served_on_request(counted):
    body = (
        client_for("city_staff", counted.city)
        .get(f"/api/indicators/31/?round={ROUND}&rules=two-tier-2025")
        .json()
    )
    assert body["rules"] == "two-tier-2025" and body["units_kind"] == "communes"
    assert [u["code"] for u in body["units"]] == ["11311", "11602"]


def test_figures_never_counted_are_counted_on_first_read(city):
    round_ensure(year=ROUND)
    people(city.village_b1, 2, age=5, level="preschool", grade=5)
    body = client_for("city_staff", city.city).get(f"/api/indicators/11602/?round={ROUND}").json()
    assert body["indicators"]["mn5_attending"] == {"numerator": 2, "denominator": 2, "rate": 100.0}


def test_the_rule_sets_in_force_are_listed(counted):
    body = client_for("city_staff", counted.city).get("/api/indicators/rules/").json()
    assert [(r["name"], r["version"]) for r in body] == [("nd20-2014", 1), ("two-tier-2025", 1)]
    assert body[0]["params"]["commune"]["mn5"][0]["conditions"][0] == {
        "indicator": "mn5_attending",
        "min": 95,
        "difficult_min": 90,
    }


def test_a_supervisor_freezes_a_snapshot_that_later_corrections_do_not_change(counted):
    client = client_for("district_supervisor", counted.district)
    response = client.post(
        "/api/indicators/303/snapshots/",
        {"round": ROUND, "note": "Báo cáo tháng 10"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    frozen = response.json()
    assert (
        frozen["frozen_by"] == "u-district_supervisor-303" and frozen["note"] == "Báo cáo tháng 10"
    )
    assert (
        frozen["rules"] == "nd20-2014" and frozen["rules_version"] == 1 and frozen["area"] == "303"
    )
    assert frozen["figures"]["indicators"]["mn5_attending"] == {
        "numerator": 1,
        "denominator": 1,
        "rate": 100.0,
    }
    assert frozen["changes"] == {"indicators": {}, "standards": {}}

    people(counted.village_a1, 3, age=5)  # a later correction
    services.area_refresh(area=counted.commune_a, round_year=ROUND)
    detail = client.get(f"/api/indicators/303/snapshots/{frozen['id']}/").json()
    assert detail["figures"] == frozen["figures"]
    assert detail["changes"]["indicators"]["mn5_attending"] == {
        "frozen": {"numerator": 1, "denominator": 1, "rate": 100.0},
        "current": {"numerator": 1, "denominator": 4, "rate": 25.0},
    }
    assert detail["changes"]["standards"]["mn5"] == {"frozen": True, "current": False}
    listed = client.get(f"/api/indicators/303/snapshots/?round={ROUND}").json()
    assert [s["id"] for s in listed["results"]] == [frozen["id"]]


def test_only_supervising_roles_in_scope_may_freeze(counted):
    surveyor = client_for("surveyor", counted.village_a1)
    assert (
        surveyor.post(
            "/api/indicators/11311/snapshots/", {"round": ROUND}, format="json"
        ).status_code
        == 404
    )
    district = client_for("district_supervisor", counted.district)
    assert (
        district.post(
            "/api/indicators/11602/snapshots/", {"round": ROUND}, format="json"
        ).status_code
        == 404
    )
    assert not Snapshot.objects.exists()


def test_a_snapshot_of_another_area_is_not_found(counted):
    client = client_for("city_staff", counted.city)
    frozen = client.post("/api/indicators/11602/snapshots/", {"round": ROUND}, format="json").json()
    assert client.get(f"/api/indicators/11311/snapshots/{frozen['id']}/").status_code == 404
    officer = client_for("commune_officer", counted.commune_a)
    assert officer.get(f"/api/indicators/11602/snapshots/{frozen['id']}/").status_code == 404
