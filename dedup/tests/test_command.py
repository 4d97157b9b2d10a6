import csv
import json
from io import StringIO

import pytest
from django.core.management import call_command

from dedup.detect import PAIR_COLUMNS
from dedup.models import DuplicatePair, MatchKey
from dedup.tests.conftest import add_person
from tests.factories import ROUND

pytestmark = pytest.mark.django_db


def run(*args) -> dict:
    out = StringIO()
    call_command("dedup", *args, stdout=out)
    return json.loads(out.getvalue())


def test_the_batch_prints_one_json_summary_and_writes_the_pairs(city, tmp_path):
    fields = {"full_name": "Vũ Văn Khải", "birth_year": 1970, "birth_month": 11, "birth_day": 4}
    add_person(city.village_a1, "K-1", **fields)
    add_person(city.village_a2, "K-2", **{**fields, "full_name": "VU VAN KHAI"})
    add_person(
        city.village_a2,
        "K-3",
        **{**fields, "full_name": "Vũ Văn Khải", "birth_year": 1971, "birth_day": 5},
    )
    add_person(
        city.village_a1, "K-4", full_name="Bùi Văn Tú", birth_year=1980, national_id="031080000777"
    )
    add_person(
        city.village_b1, "K-5", full_name="Bùi Văn Tú", birth_year=1980, national_id="031080000777"
    )
    path = tmp_path / "pairs.csv"
    summary = run("--area", "31", "--round", str(ROUND), "--pairs", str(path))
    assert summary["people"] == 5
    assert (
        summary["candidate_pairs"] == 2 and summary["auto_linked"] == 1 and summary["queued"] == 1
    )
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert tuple(rows[0]) == PAIR_COLUMNS
    assert sorted((r["status"], r["auto_link"]) for r in rows) == [("open", "0"), ("same", "1")]
    assert MatchKey.objects.count() > 0
    assert run("--area", "11311", "--round", str(ROUND))["candidate_pairs"] == 1  # a commune alone
    assert DuplicatePair.objects.count() == 2  # the same pairs again, not doubled


def test_an_unknown_area_is_a_command_error():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        run("--area", "99999", "--round", str(ROUND))


def test_a_village_is_named_commune_slash_village(city):
    fields = {
        "full_name": "Mai Thị Cúc",
        "sex": "female",
        "birth_year": 1960,
        "birth_month": 2,
        "birth_day": 14,
    }
    add_person(city.village_a1, "V-1", **fields)
    add_person(city.village_a1, "V-2", **{**fields, "full_name": "MAI THI CUC"})
    add_person(city.village_a2, "V-3", **fields)
    summary = run("--area", "11311/11311-01", "--round", str(ROUND), "--no-link")
    assert (summary["area"], summary["people"], summary["candidate_pairs"], summary["queued"]) == (
        "11311-01",
        2,
        1,
        1,
    )
