"""The synthetic population: determinism, shape, consistency, duplicates, the command."""

import csv
import datetime
import json
import re
import unicodedata
import uuid
from collections import Counter, defaultdict
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from areas.models import Area, AreaKind
from surveys.models import Change, Enrollment, Household, Resident, Round, Visit
from surveys.selectors import with_round_details
from surveys.text import fold
from surveys.validation import validate_household
from surveys.wire import household_to_wire
from synth.places import plan_city
from synth.services import TRUTH_COLUMNS, SynthRefused, generate, population

Y = 2025
TODAY = datetime.date(2025, 10, 20)
SMALL = {
    "communes": 2,
    "households_per_commune": 60,
    "villages_per_commune": 4,
    "round_year": Y,
    "today": TODAY,
}
GRADES = {
    "preschool": {3, 4, 5},
    "primary": set(range(1, 6)),
    "lower_secondary": set(range(6, 10)),
    "upper_secondary": set(range(10, 13)),
    "continuing_upper": set(range(10, 13)),
}
PHONE = re.compile(r"^0[35789][0-9]{8}$")


def _in_memory(seed: int, households: int, communes: int = 2) -> list:
    plan = plan_city(
        communes=communes,
        villages_per_commune=8,
        city_code="31",
        city_name=None,
        districts=0,
        commune_code_start=None,
    )
    return list(
        population(plan, seed=seed, round_year=Y, households_per_commune=households, today=TODAY)
    )


def _snapshot() -> list[tuple]:
    """What must not change between two runs with the same options (timestamps and seq excluded)."""
    return list(
        Resident.objects.order_by("id").values_list(
            "id", "household_id", "position", "full_name", "sex", "birth_year", "birth_month", "birth_day",
            "relation", "national_id", "status", "status_year", "highest_grade_completed",
        )
    )  # fmt: skip


def _wipe_people() -> None:
    Visit.objects.all().delete()
    Enrollment.objects.all().delete()
    Resident.objects.all().delete()
    Household.objects.all().delete()


def _read_truth(path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# --- determinism --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_people_and_the_same_truth_file(tmp_path):
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    generate(**SMALL, seed=7, duplicate_rate=0.05, truth_path=str(first))
    snapshot = _snapshot()
    _wipe_people()  # the areas stay, empty, and are reused
    generate(**SMALL, seed=7, duplicate_rate=0.05, truth_path=str(second))

    assert _snapshot() == snapshot
    assert first.read_bytes() == second.read_bytes()
    assert len(_read_truth(first)) > 0


def test_a_different_seed_gives_different_people():
    one = [(p.id, p.full_name, p.birth_year) for hh in _in_memory(1, 40) for p in hh.members]
    again = [(p.id, p.full_name, p.birth_year) for hh in _in_memory(1, 40) for p in hh.members]
    other = [(p.id, p.full_name, p.birth_year) for hh in _in_memory(2, 40) for p in hh.members]

    assert one == again
    assert {i for i, _n, _b in one}.isdisjoint({i for i, _n, _b in other})
    assert [n for _i, n, _b in one] != [n for _i, n, _b in other]


# --- distributions ------------------------------------------------------------------


def test_the_population_has_the_shape_of_the_city():
    households = _in_memory(3, 450)  # ≈3,000 people
    people = [p for hh in households for p in hh.members]
    ages = [Y - p.birth_year for p in people]
    n = len(people)

    assert 2700 < n < 3300
    assert 0.19 <= sum(a <= 14 for a in ages) / n <= 0.27
    assert 0.11 <= sum(a >= 60 for a in ages) / n <= 0.17
    assert 3.0 <= n / len(households) <= 3.6
    assert 0.30 <= sum(p.full_name.startswith("Nguyễn ") for p in people) / n <= 0.46


def test_schooling_moves_deaths_and_ids_come_in_realistic_shares():
    people = [p for hh in _in_memory(4, 600) for p in hh.members]
    n = len(people)
    statuses = Counter(p.status for p in people)
    school_age = [p for p in people if 11 <= Y - p.birth_year <= 18]
    adults = [p for p in people if Y - p.birth_year >= 14]
    fives = [p for p in people if Y - p.birth_year == 5 and p.status in ("present", "moved_in")]

    assert 0.93 <= statuses["present"] / n <= 0.985
    assert statuses["moved_in"] and statuses["moved_out"] and statuses["deceased"]
    assert (
        0.003 <= sum(p.dropped_out_grade is not None for p in school_age) / len(school_age) <= 0.04
    )
    assert 0.70 <= sum(bool(p.national_id) for p in adults) / len(adults) <= 0.90
    assert 0.90 <= sum(p.level == "preschool" for p in fives) / len(fives)
    assert 0.05 <= sum(p.birth_month is None for p in people) / n <= 0.15
    assert sum(p.disability != "none" for p in people) > 0
    assert len({p.full_name.split(" ", 1)[1] for p in people}) > 300  # middle + given names vary


# --- consistency of every row -------------------------------------------------------


def _resident_problems(r: Resident, enrollment: Enrollment | None) -> list[str]:
    problems = []
    age = Y - r.birth_year
    say = problems.append
    if not 1900 <= r.birth_year <= Y:
        say("birth_year")
    if r.birth_month is not None and not 1 <= r.birth_month <= 12:
        say("birth_month")
    if r.birth_day is not None:
        if r.birth_month is None:
            say("day without month")
        else:
            try:
                datetime.date(r.birth_year, r.birth_month, r.birth_day)
            except ValueError:
                say("birth_day invalid")
    if (r.status == "present") != (r.status_year is None):
        say("status_year iff not present")
    if r.status_year is not None and not r.birth_year <= r.status_year <= Y:
        say("status_year range")
    milestones = [
        r.preschool_completed_year, r.primary_completed_year,
        r.lower_secondary_graduated_year, r.upper_secondary_graduated_year,
    ]  # fmt: skip
    for year in milestones:
        if year is not None and not r.birth_year + 5 <= year <= Y:
            say("milestone range")
    ordered = [y for y in milestones[1:] if y is not None]
    if ordered != sorted(set(ordered)):
        say("milestone order")
    if r.primary_completed_year and r.highest_grade_completed < 5:
        say("grade < 5 with primary")
    if r.lower_secondary_graduated_year and r.highest_grade_completed < 9:
        say("grade < 9 with lower secondary")
    if r.upper_secondary_graduated_year and r.highest_grade_completed != 12:
        say("grade != 12 with upper secondary")
    if not 0 <= r.highest_grade_completed <= 12 or r.literacy_stage not in (0, 1, 2):
        say("grade or literacy range")
    if r.national_id and not re.fullmatch(r"0[0-9]{2}[0-3][0-9]{8}", r.national_id):
        say("national_id")
    if r.national_id and r.national_id[4:6] != f"{r.birth_year % 100:02d}":
        say("national_id year")
    if r.full_name != unicodedata.normalize("NFC", r.full_name) or r.name_folded != fold(
        r.full_name
    ):
        say("name form")
    if r.dropped_out_grade is not None:
        if enrollment is not None or not r.birth_year + 5 <= r.dropped_out_year <= Y:
            say("dropped out")
    if enrollment is not None:
        if r.status in ("moved_out", "deceased"):
            say("enrolled while gone")
        if (
            GRADES.get(enrollment.level, {None}) != {None}
            and enrollment.grade not in GRADES[enrollment.level]
        ):
            say(f"grade {enrollment.grade} for {enrollment.level}")
        if enrollment.level not in GRADES and enrollment.grade is not None:
            say("grade for a level without grades")
        if enrollment.level == "none" or not enrollment.school:
            say("enrollment row")
        if not 3 <= age <= 25:
            say("enrolled at this age")
    return [f"{r.full_name} ({r.birth_year}, {r.relation}): {p}" for p in problems]


def _household_problems(hh: Household, members: list[Resident], duplicates: set) -> list[str]:
    problems = []
    if [m.relation for m in members].count("head") != 1 or members[0].relation != "head":
        problems.append("one head, first")
    if [m.position for m in members] != list(range(len(members))):
        problems.append("positions")
    if hh.commune_id != hh.village.parent_id or any(m.commune_id != hh.commune_id for m in members):
        problems.append("commune")
    if hh.phone and not PHONE.match(hh.phone):
        problems.append("phone")
    if not hh.address or hh.village.name not in hh.address:
        problems.append("address")
    head_age = Y - members[0].birth_year
    names = {m.full_name for m in members}
    for m in members:
        age = Y - m.birth_year
        if m.id in duplicates:
            if m.relation != "other":
                problems.append("duplicate relation")
            continue
        gap = {"child": 15, "grandchild": 30}.get(m.relation)
        if (gap and head_age - age < gap) or (m.relation == "parent" and age - head_age < 15):
            problems.append(f"{m.relation} aged {age} with a head aged {head_age}")
        if age < 18 and m.relation in ("child", "grandchild") and m.guardian_name not in names:
            problems.append("guardian not in the household")
    if head_age < 18:
        problems.append("head under 18")
    return [f"{hh.number}: {p}" for p in problems]


@pytest.mark.django_db
def test_every_generated_row_satisfies_the_consistency_rules(tmp_path):
    truth_path = tmp_path / "truth.csv"
    generate(**SMALL, seed=11, duplicate_rate=0.05, truth_path=str(truth_path))
    duplicates = {uuid.UUID(row["duplicate_id"]) for row in _read_truth(truth_path)}
    enrollments = {e.resident_id: e for e in Enrollment.objects.filter(round_id=Y)}
    members = defaultdict(list)
    for r in Resident.objects.order_by("household_id", "position"):
        members[r.household_id].append(r)
    problems = []
    for r in (r for rs in members.values() for r in rs):
        problems += _resident_problems(r, enrollments.get(r.id))
    for hh in Household.objects.select_related("village"):
        problems += _household_problems(hh, members[hh.id], duplicates)

    assert problems == []
    assert Enrollment.objects.count() == len(enrollments) > 0
    numbers = list(Household.objects.values_list("commune_id", "number"))
    assert len(numbers) == len(set(numbers)) == 120
    ids = Counter(
        r.national_id
        for rs in members.values()
        for r in rs
        if r.national_id and r.id not in duplicates
    )
    assert ids and max(ids.values()) == 1


@pytest.mark.django_db
def test_every_generated_household_passes_the_wire_validation():
    generate(**SMALL, seed=12, duplicate_rate=0.05)
    errors = {}
    for hh in with_round_details(Household.objects.all(), round_year=Y):
        _clean, problems = validate_household(household_to_wire(hh, round_year=Y), round_year=Y)
        if problems:
            errors[hh.number] = problems.as_dict()

    assert errors == {}


@pytest.mark.django_db
def test_the_database_holds_exactly_what_the_generator_made():
    generate(**SMALL, seed=15)
    fields = ("position", "full_name", "name_folded", "sex", "birth_year", "birth_month", "birth_day", "ethnicity",
              "relation", "national_id", "guardian_name", "status", "status_year", "disability",
              "preschool_completed_year", "primary_completed_year", "lower_secondary_graduated_year",
              "upper_secondary_graduated_year", "highest_grade_completed", "literacy_stage",
              "dropped_out_grade", "dropped_out_year")  # fmt: skip
    made = _planned_population(seed=15)
    stored = {r.id: r for r in Resident.objects.all()}
    enrolled = {e.resident_id: (e.level, e.grade, e.school) for e in Enrollment.objects.all()}
    households = {hh.id: hh for hh in Household.objects.all()}

    assert len(stored) == sum(len(hh.members) for hh in made)
    for hh in made:
        row = households[hh.id]
        assert (row.number, row.address, row.residence, row.phone) == (
            hh.number,
            hh.address,
            hh.residence,
            hh.phone,
        )
        for p in hh.members:
            assert [getattr(stored[p.id], f) for f in fields] == [getattr(p, f) for f in fields]
            assert enrolled.get(p.id) == ((p.level, p.grade, p.school) if p.level else None)


@pytest.mark.django_db
def test_visits_fall_in_the_round_and_cover_part_of_the_households():
    generate(**SMALL, seed=13)
    dates = list(Visit.objects.filter(round_id=Y).values_list("date", flat=True))

    assert all(datetime.date(Y, 9, 1) <= d <= TODAY for d in dates)
    assert 0.25 <= len(dates) / Household.objects.count() <= 0.55


@pytest.mark.django_db
def test_households_and_residents_take_increasing_seqs_and_write_no_changes():
    summary = generate(**SMALL, seed=14)
    households = list(Household.objects.order_by("seq"))
    seqs = [hh.seq for hh in households] + list(Resident.objects.values_list("seq", flat=True))

    assert (
        min(seqs) > 0 and len(set(seqs)) == len(seqs) == summary["households"] + summary["people"]
    )
    assert [hh.number for hh in households if hh.village.code.endswith("-01")][:3] == [
        "T01-001",
        "T01-002",
        "T01-003",
    ]
    for hh in households[:20]:
        assert all(m.seq > hh.seq for m in hh.members.all())
    assert Change.objects.count() == 0
    assert Round.objects.filter(year=Y).exists()


# --- duplicates and their truth -----------------------------------------------------


@pytest.mark.django_db
def test_the_truth_file_lists_exactly_the_injected_duplicates(tmp_path):
    truth_path = tmp_path / "truth.csv"
    summary = generate(**SMALL, seed=21, duplicate_rate=0.08, truth_path=str(truth_path))
    truth = _read_truth(truth_path)
    without = {str(p.id) for hh in _planned_population(seed=21) for p in hh.members}
    stored = {str(i): r for i, r in ((r.id, r) for r in Resident.objects.all())}

    assert truth_path.read_text(encoding="utf-8").splitlines()[0] == ",".join(TRUTH_COLUMNS)
    assert set(stored) - without == {row["duplicate_id"] for row in truth}
    assert len(truth) == summary["duplicates"] > 10
    for row in truth:
        original, duplicate = stored[row["original_id"]], stored[row["duplicate_id"]]
        assert (duplicate.birth_year, duplicate.sex) == (original.birth_year, original.sex)
        assert duplicate.household_id != original.household_id and duplicate.relation == "other"
        _assert_perturbation(row["kind"], original, duplicate)
    assert {row["kind"] for row in truth} >= {"typo", "no_diacritics", "second_household"}


def _planned_population(*, seed: int) -> list:
    plan = plan_city(
        communes=2,
        villages_per_commune=4,
        city_code="31",
        city_name=None,
        districts=0,
        commune_code_start=None,
    )
    return list(population(plan, seed=seed, round_year=Y, households_per_commune=60, today=TODAY))


def _assert_perturbation(kind: str, original: Resident, duplicate: Resident) -> None:
    same_birth = (duplicate.birth_month, duplicate.birth_day) == (
        original.birth_month,
        original.birth_day,
    )
    if kind == "typo":
        assert duplicate.full_name != original.full_name and same_birth
        assert duplicate.full_name.split()[:-1] == original.full_name.split()[:-1]
    elif kind == "no_diacritics":
        assert (
            duplicate.full_name.isascii()
            and fold(duplicate.full_name) == fold(original.full_name)
            and same_birth
        )
    elif kind == "swapped_day_month":
        assert (duplicate.birth_month, duplicate.birth_day) == (
            original.birth_day,
            original.birth_month,
        )
        assert duplicate.full_name == original.full_name
    else:
        assert (
            kind == "second_household" and duplicate.full_name == original.full_name and same_birth
        )


# --- areas, codes, the command ------------------------------------------------------


@pytest.mark.django_db
def test_districts_hold_the_communes_and_codes_follow_the_rule():
    generate(**SMALL, seed=31, districts=2, city_code="32")
    communes = list(
        Area.objects.filter(kind=AreaKind.COMMUNE).select_related("parent").order_by("code")
    )
    villages = Area.objects.filter(kind=AreaKind.VILLAGE, parent=communes[0]).order_by("code")

    assert [c.code for c in communes] == ["32001", "32002"]
    assert {c.parent.code for c in communes} == {"320", "321"}
    assert {c.parent.parent.code for c in communes} == {"32"}
    assert [(v.code, v.name) for v in villages][:2] in (
        [("32001-01", "Tổ dân phố 1"), ("32001-02", "Tổ dân phố 2")],
        [("32001-01", "Thôn 1"), ("32001-02", "Thôn 2")],
    )


@pytest.mark.django_db
def test_two_cities_with_the_same_seed_do_not_collide():
    first = generate(**SMALL, seed=1, city_code="31")
    second = generate(**SMALL, seed=1, city_code="33")

    assert Resident.objects.count() == first["people"] + second["people"]
    assert Area.objects.filter(kind=AreaKind.COMMUNE, code__startswith="33").count() == 2


@pytest.mark.django_db
def test_the_command_prints_a_json_summary(tmp_path):
    out = StringIO()
    truth = tmp_path / "truth.csv"
    call_command(
        "synth", "--communes", "2", "--households", "30", "--villages", "3", "--seed", "5", "--round", str(Y),
        "--duplicates", "0.05", "--truth", str(truth), stdout=out,
    )  # fmt: skip
    summary = json.loads(out.getvalue())

    assert summary["communes"] == 2 and summary["villages"] == 6 and summary["households"] == 60
    assert summary["people"] == Resident.objects.count()
    assert summary["duplicates"] == len(_read_truth(truth))
    assert summary["enrollments"] == Enrollment.objects.count()
    assert summary["people_per_second"] > 0


@pytest.mark.django_db
def test_it_refuses_to_add_to_communes_that_already_have_households():
    call_command(
        "synth",
        "--communes",
        "1",
        "--households",
        "10",
        "--villages",
        "2",
        "--round",
        str(Y),
        stdout=StringIO(),
    )
    people = Resident.objects.count()

    with pytest.raises(CommandError, match="already have households"):
        call_command(
            "synth",
            "--communes",
            "1",
            "--households",
            "10",
            "--villages",
            "2",
            "--round",
            str(Y),
            "--seed",
            "9",
        )
    assert Resident.objects.count() == people


@pytest.mark.django_db
def test_it_refuses_a_code_that_belongs_elsewhere_in_the_tree():
    generate(**SMALL, seed=1, districts=2)  # communes 31001–31002 under districts 310, 311

    with pytest.raises(SynthRefused, match="elsewhere in the tree"):
        generate(**SMALL, seed=1, districts=0)


def test_the_command_rejects_a_rate_outside_zero_to_one():
    with pytest.raises(CommandError):
        call_command("synth", "--duplicates", "1.5")
