"""One rule set for the server and the phone: surveys/rules.py, shipped by GET /api/rules."""

import pytest

from surveys import rules, validation


def test_the_server_validation_takes_its_constants_from_the_rule_spec():
    assert validation.LEVEL_GRADES is rules.LEVEL_GRADES
    assert validation.MILESTONES is rules.MILESTONES
    assert validation.MAX_MEMBERS == rules.MAX_MEMBERS
    assert validation.HOUSEHOLD_FIELDS == rules.HOUSEHOLD_KEYS
    assert set(validation.MEMBER_FIELDS) == set(rules.MEMBER_FIELDS)
    assert validation.ethnic_codes() is rules.ethnic_groups()
    source = open(validation.__file__, encoding="utf-8").read()
    assert "gettext" not in source  # every message comes from rules.MESSAGES


def test_changing_a_rule_in_the_spec_changes_the_server_validation(monkeypatch):
    from tests.factories import ROUND, member

    data = {"village": "V", "number": "1", "members": [member(literacy_stage=3)]}
    assert (
        "members.0.literacy_stage"
        in validation.validate_household(data, round_year=ROUND)[1].as_dict()
    )
    monkeypatch.setitem(
        rules.MEMBER_FIELDS,
        "literacy_stage",
        {**rules.MEMBER_FIELDS["literacy_stage"], "one_of": [0, 1, 2, 3]},
    )
    assert validation.validate_household(data, round_year=ROUND)[1].as_dict() == {}


def test_every_message_key_the_spec_names_exists():
    spec = rules.rules_spec()
    named = {
        spec["member"]["fields"][k]["message"]
        for k in spec["member"]["fields"]
        if "message" in spec["member"]["fields"][k]
    }
    named |= {rule[2] for rule in spec["member"]["grade_completed_minima"]}
    named |= {field["range"][2] for field in spec["member"]["fields"].values() if "range" in field}
    named.add(spec["household"]["fields"]["phone"]["message"])
    assert named <= set(spec["messages"])


@pytest.mark.django_db
def test_the_rules_endpoint_is_public_and_speaks_vietnamese_by_default(client):
    response = client.get("/api/rules")
    assert response.status_code == 200
    spec = response.json()
    assert spec["messages"]["birth_year_range"] == "Năm sinh phải từ 1900 đến %(year)d."
    assert spec["enrollment"]["level_grades"]["preschool"] == [3, 4, 5]
    assert {"value": "01", "label": "Kinh"} in spec["choices"]["ethnicity"]
    assert (
        spec["round"] == "round" and spec["member"]["fields"]["birth_year"]["range"][1] == "round"
    )


@pytest.mark.django_db
def test_the_rules_endpoint_serves_english_and_revalidates_with_an_etag(client):
    english = client.get("/api/rules?lang=en")
    assert (
        english.json()["messages"]["birth_year_range"]
        == "The birth year must be between 1900 and %(year)d."
    )
    assert english["Cache-Control"] == "no-cache"
    again = client.get("/api/rules?lang=en", HTTP_IF_NONE_MATCH=english["ETag"])
    assert again.status_code == 304 and again.content == b""
    assert client.get("/api/rules?lang=fr").status_code == 400
