"""``manage.py indicators --area CODE --round Y [--rules NAME] --json``: the contract of item 7."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from indicators.tests.helpers import good_commune, people
from surveys.models import StaleCommune
from tests.factories import ROUND

pytestmark = pytest.mark.django_db

INDICATORS = [
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
]


def run(*args) -> dict:
    out = StringIO()
    call_command("indicators", *args, stdout=out)
    return json.loads(out.getvalue())


def test_the_json_has_the_contract_keys(city):
    good_commune(city.village_a1)
    figs = run("--area", "11311", "--round", str(ROUND), "--json")
    assert {"area", "round", "rules", "cohorts", "indicators", "standards"} <= set(figs)
    assert (figs["area"], figs["round"], figs["rules"]) == ("11311", ROUND, "nd20-2014")
    assert list(figs["cohorts"]) == [str(age) for age in range(61)]
    assert set(figs["cohorts"]["5"]) >= {"total", "female", "minority", "female_minority", "ppc"}
    assert list(figs["indicators"]) == INDICATORS
    for key in INDICATORS:
        value = figs["indicators"][key]
        assert (
            isinstance(value, bool)
            if key == "th_11_rest_in_primary"
            else set(value) == {"numerator", "denominator", "rate"}
        )
    assert figs["standards"]["mn5"]["met"] is True
    assert [figs["standards"][p]["level"] for p in ("primary", "lower_secondary", "literacy")] == [
        3,
        3,
        2,
    ]


def test_a_city_sums_its_communes_and_the_rule_set_can_be_chosen(city):
    people(city.village_a1, 3, age=5, level="preschool", grade=5)
    people(city.village_b1, 2, age=5)
    figs = run("--area", "31", "--round", str(ROUND), "--rules", "two-tier-2025", "--json")
    assert figs["rules"] == "two-tier-2025"
    assert figs["indicators"]["mn5_attending"] == {"numerator": 3, "denominator": 5, "rate": 60.0}
    assert figs["cohorts"]["5"]["total"] == 5


def test_the_command_recounts_data_written_without_stale_marks(city):
    run("--area", "11311", "--round", str(ROUND), "--json")
    people(city.village_a1, 2, age=6)  # written directly: no stale mark
    assert (
        run("--area", "11311", "--round", str(ROUND), "--json", "--stored")["cohorts"]["6"]["total"]
        == 0
    )
    assert run("--area", "11311", "--round", str(ROUND), "--json")["cohorts"]["6"]["total"] == 2


def test_refresh_stale_clears_the_marks(city):
    from django.utils import timezone

    people(city.village_a1, 2, age=6)
    StaleCommune.objects.create(commune=city.commune_a, round_id=ROUND, marked_at=timezone.now())
    assert run("--refresh-stale") == {"refreshed": 1}
    assert not StaleCommune.objects.exists()


def test_an_unknown_area_or_rule_set_stops_with_a_message(city):
    with pytest.raises(CommandError, match="No commune"):
        call_command("indicators", "--area", "99999", "--round", str(ROUND))
    with pytest.raises(CommandError, match="nd99"):
        call_command("indicators", "--area", "31", "--round", str(ROUND), "--rules", "nd99")


def test_without_json_it_prints_a_summary(city):
    people(city.village_a1, 18, age=5, level="preschool", grade=5)
    people(city.village_a1, 1, age=5)
    out = StringIO()
    call_command("indicators", "--area", "11311", "--round", str(ROUND), stdout=out)
    assert "mn5_attending" in out.getvalue() and "94,74%" in out.getvalue()
