import json

import pytest
from django.core.management import call_command

from surveys.models import Change, Household, Resident
from tests.factories import ROUND, child, household, member

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    from io import StringIO

    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def households_fixture(city) -> list[dict]:
    return [
        household(city.village_a1, "T01-001"),
        household(
            city.village_a2,
            "T02-001",
            visit=None,
            residence="temporary",
            phone="",
            note="Ở trọ",
            members=[
                member(
                    full_name="Lê Thị Mai",
                    sex="female",
                    birth_month=None,
                    birth_day=None,
                    national_id="031185000123",
                ),
                child(
                    full_name="Lê Văn Tí",
                    sex="male",
                    status="moved_out",
                    status_year=2024,
                    enrollment=None,
                    dropped_out={"grade": 6, "year": 2024},
                    disability="can_study",
                    ethnicity="04",
                ),
            ],
        ),
        household(
            city.village_b1,
            "T01-001",
            members=[member(full_name="Đặng Văn Hùng", literacy_stage=2)],
        ),
    ]


def test_dump_of_load_returns_the_input_field_for_field(city, tmp_path):
    original = households_fixture(city)
    source = tmp_path / "in.json"
    source.write_text(json.dumps(original, ensure_ascii=False), encoding="utf-8")
    out, err = run("load_households", str(source), "--round", str(ROUND))
    assert json.loads(out) == {
        "households": 3,
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
    }
    assert err == ""
    dumped = json.loads(run("dump_households", "--area", "31", "--round", str(ROUND))[0])
    assert sorted(dumped, key=lambda h: h["id"]) == sorted(original, key=lambda h: h["id"])


def test_dump_is_limited_to_the_area(city, tmp_path):
    source = tmp_path / "in.json"
    source.write_text(json.dumps(households_fixture(city)), encoding="utf-8")
    run("load_households", str(source), "--round", str(ROUND))
    commune_a = json.loads(run("dump_households", "--area", "11311", "--round", str(ROUND))[0])
    assert [h["number"] for h in commune_a] == ["T01-001", "T02-001"]
    village = json.loads(run("dump_households", "--area", "11602-01", "--round", str(ROUND))[0])
    assert [h["village"] for h in village] == ["11602-01"]


def test_loading_twice_changes_nothing(city, tmp_path):
    source = tmp_path / "in.json"
    source.write_text(json.dumps(households_fixture(city)), encoding="utf-8")
    run("load_households", str(source), "--round", str(ROUND))
    changes = Change.objects.count()
    out, _err = run("load_households", str(source), "--round", str(ROUND))
    assert json.loads(out)["unchanged"] == 3 and Change.objects.count() == changes


def test_invalid_households_are_reported_and_the_rest_load(city, tmp_path):
    data = households_fixture(city)
    data[1]["members"][0]["birth_year"] = 1800
    data[2]["village"] = "99999-99"
    source = tmp_path / "in.json"
    source.write_text(json.dumps(data), encoding="utf-8")
    out, err = run("load_households", str(source), "--round", str(ROUND))
    assert json.loads(out)["rejected"] == 2 and json.loads(out)["created"] == 1
    assert "household 2 (number T02-001): members.0.birth_year:" in err
    assert "household 3 (number T01-001): village:" in err
    assert Household.objects.count() == 1 and Resident.objects.count() == 2


def test_strict_mode_fails_after_loading_the_good_ones(city, tmp_path):
    from django.core.management.base import CommandError

    data = households_fixture(city)
    data[0]["number"] = ""
    source = tmp_path / "in.json"
    source.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CommandError):
        run("load_households", str(source), "--round", str(ROUND), "--strict")
    assert Household.objects.count() == 2


@pytest.mark.parametrize("content", ["{not json", '{"a": 1}'])
def test_a_file_that_is_not_a_json_list_is_refused(city, tmp_path, content):
    from django.core.management.base import CommandError

    source = tmp_path / "in.json"
    source.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError):
        run("load_households", str(source), "--round", str(ROUND))


def test_dump_of_an_unknown_area_is_an_error(city):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no area"):
        run("dump_households", "--area", "77777", "--round", str(ROUND))
