"""Rule sets are data: checked when stored, versioned, named by every figure."""

import copy
import json

import pytest

from indicators.models import AreaFigures, RuleSet
from indicators.rulebook import rules_active, rules_named
from indicators.rules import RulesInvalid, builtin_documents, rules_parse
from indicators.tests.helpers import figures, people

pytestmark = pytest.mark.django_db


def nd20() -> dict:
    return copy.deepcopy(next(d for d in builtin_documents() if d["name"] == "nd20-2014"))


def test_the_built_in_rule_sets_parse_and_nd20_is_the_default():
    rules = rules_active()
    assert [(r.name, r.version) for r in rules] == [("nd20-2014", 1), ("two-tier-2025", 1)]
    assert rules_named(None).name == "nd20-2014"
    assert rules[0].ppc_excludes == frozenset({"cannot_study"})
    assert rules[0].indicators["th_completed_11_14"].ages == (11, 14)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["indicators"].pop("lit2_15_60"), "indicators"),
        (lambda d: d["indicators"]["mn5_completed"].update(ages=[6, 70]), "mn5_completed.ages"),
        (lambda d: d["commune"]["mn5"][0]["conditions"][0].update(min=101), "min"),
        (lambda d: d["commune"]["primary"][1].update(level=3), "level"),
        (lambda d: d["commune"]["literacy"][0].update(requires={"lower_secondary": 1}), "earlier"),
        (lambda d: d.update(ppc_excludes=["none"]), "ppc_excludes"),
        (lambda d: d["district"]["min_share"]["primary"].pop("3"), "one share per level"),
        (lambda d: d["district"].update(units="districts"), "district"),
    ],
)
def test_a_broken_document_is_refused_with_the_place_named(change, message):
    doc = nd20()
    change(doc)
    with pytest.raises(RulesInvalid, match=message):
        rules_parse(doc)


def test_a_new_version_applies_and_the_figures_name_it(city):
    people(city.village_a1, 9, age=6, level="primary", grade=1)
    people(city.village_a1, 1, age=6)
    rules_active()
    doc = nd20()
    doc["version"] = 2
    doc["commune"]["primary"][0]["conditions"][0]["min"] = 91  # "th_grade1_at6" level 1 at 91%
    RuleSet.objects.create(name="nd20-2014", version=2, params=doc)
    figs = figures(city.commune_a)
    assert figs["rules_version"] == 2
    assert figs["standards"]["primary"]["levels"][0]["conditions"][0] == {
        "indicator": "th_grade1_at6",
        "numerator": 9,
        "denominator": 10,
        "rate": 90.0,
        "min": 91,
        "met": False,
    }
    assert set(
        AreaFigures.objects.filter(area=city.commune_a).values_list("rules__name", "rules__version")
    ) == {
        ("nd20-2014", 2),
        ("two-tier-2025", 1),
    }


def test_the_completion_cohort_of_preschool_is_configurable(city):
    people(city.village_a1, 2, age=6, preschool_completed_year=2024)
    people(city.village_a1, 1, age=7, preschool_completed_year=2023)
    people(city.village_a1, 1, age=7)
    rules_active()
    doc = nd20()
    doc["version"] = 2
    doc["indicators"]["mn5_completed"]["ages"] = [7, 7]
    RuleSet.objects.create(name="nd20-2014", version=2, params=doc)
    assert figures(city.commune_a)["indicators"]["mn5_completed"] == {
        "numerator": 1,
        "denominator": 2,
        "rate": 50.0,
    }


def test_the_admin_adds_a_checked_version_and_never_edits_one(admin_client):
    rules_active()
    doc = nd20()
    doc["version"] = 2
    doc["commune"]["mn5"][0]["conditions"][0]["min"] = 120
    data = {"name": "nd20-2014", "version": 2, "description": "", "params": json.dumps(doc)}
    response = admin_client.post("/admin/indicators/ruleset/add/", data)
    assert response.status_code == 200 and "between 0 and 100" in response.content.decode()
    doc["commune"]["mn5"][0]["conditions"][0]["min"] = 96
    response = admin_client.post(
        "/admin/indicators/ruleset/add/", {**data, "params": json.dumps(doc)}
    )
    assert response.status_code == 302
    assert rules_named("nd20-2014").version == 2
    stored = RuleSet.objects.get(name="nd20-2014", version=2)
    page = admin_client.get(f"/admin/indicators/ruleset/{stored.pk}/change/").content.decode()
    assert 'name="_save"' not in page  # read-only
