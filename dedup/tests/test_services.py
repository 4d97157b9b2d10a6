"""Detection, decisions and their undo, through the real services."""

import pytest
from django.conf import settings

from dedup.models import Decision, DuplicatePair, PairStatus
from dedup.services import PairDecided, pair_decide, pair_undo
from dedup.tests.conftest import add_person, check
from server.errors import ValidationFailed
from surveys.models import Change, Resident
from tests.factories import ROUND

pytestmark = pytest.mark.django_db


def population(commune) -> int:
    """The population of DOMAIN.md §5: live residents of live households, present or moved in."""
    return Resident.objects.filter(
        commune=commune,
        deleted_at__isnull=True,
        household__deleted_at__isnull=True,
        status__in=["present", "moved_in"],
    ).count()


@pytest.fixture
def twins_of_one(city):
    """One woman entered twice: once with diacritics, once in plain capitals in another household."""
    a = add_person(
        city.village_a1,
        "T01-001",
        full_name="Nguyễn Thị Hương",
        sex="female",
        birth_year=1990,
        birth_month=3,
        birth_day=9,
        primary_completed_year=2001,
        lower_secondary_graduated_year=2005,
        upper_secondary_graduated_year=2008,
    )
    b = add_person(
        city.village_a1,
        "T01-002",
        full_name="NGUYEN THI HUONG",
        sex="female",
        birth_year=1990,
        birth_month=9,
        birth_day=3,
        national_id="031190000123",
        primary_completed_year=2001,
        lower_secondary_graduated_year=2005,
        upper_secondary_graduated_year=2008,
    )
    return a, b


def only_pair() -> DuplicatePair:
    return DuplicatePair.objects.get()


def test_a_change_check_queues_the_pair_with_its_reasons(twins_of_one):
    a, b = twins_of_one
    result = check(a, b)
    pair = only_pair()
    assert result["queued"] == 1 and pair.status == PairStatus.OPEN
    assert {str(pair.left_id), str(pair.right_id)} == {str(a.pk), str(b.pk)}
    assert "name_plain" in pair.reasons and pair.score >= settings.DEDUP_REVIEW_THRESHOLD


def test_a_merge_keeps_the_chosen_values_and_its_undo_restores_both(city, twins_of_one, officer):
    a, b = twins_of_one
    check(a, b)
    pair = only_pair()
    side_a = "left" if pair.left_id == a.pk else "right"
    side_b = "right" if side_a == "left" else "left"
    pair_decide(
        pair=pair,
        user=officer,
        decision="same",
        survivor=side_a,
        fields={"full_name": side_a},
        round_year=ROUND,
    )
    a.refresh_from_db()
    b.refresh_from_db()
    assert b.deleted_at is not None  # absorbed: out of the population
    assert (a.full_name, a.birth_month, a.national_id) == (
        "Nguyễn Thị Hương",
        3,
        "031190000123",
    )  # blank ID filled
    assert b.birth_month == 9
    assert population(city.commune_a) == 1
    tombstone = Change.objects.filter(entity_id=b.pk, action="delete").get()
    assert (
        tombstone.fields == {"merged_into": [None, str(a.pk)]}
        and tombstone.source == f"dedup:{pair.pk}"
    )
    assert Change.objects.filter(entity_id=a.pk, action="update").get().fields["national_id"] == [
        "",
        "031190000123",
    ]

    pair.refresh_from_db()
    assert (pair.status, pair.survivor_id, pair.absorbed_id, pair.decided_by) == (
        PairStatus.SAME,
        a.pk,
        b.pk,
        officer,
    )
    pair_undo(pair=pair, user=officer, round_year=ROUND)
    a.refresh_from_db()
    b.refresh_from_db()
    assert b.deleted_at is None and a.national_id == "" and b.national_id == "031190000123"
    assert population(city.commune_a) == 2
    pair.refresh_from_db()
    assert pair.status == PairStatus.OPEN and pair.no_auto
    kinds = list(Decision.objects.filter(pair=pair).values_list("kind", "undone", "user__username"))
    assert kinds == [("same", True, "can-bo-xa"), ("undo", False, "can-bo-xa")]
    assert side_b in Decision.objects.get(kind="same").before


def test_undo_keeps_a_field_someone_changed_after_the_merge(twins_of_one, officer):
    from surveys.recording import recording
    from surveys.services import resident_update
    from surveys.validation import validate_member
    from surveys.wire import resident_to_wire

    a, b = twins_of_one
    check(a, b)
    pair = only_pair()
    side_a = "left" if pair.left_id == a.pk else "right"
    pair_decide(pair=pair, user=officer, decision="same", survivor=side_a, round_year=ROUND)
    a.refresh_from_db()
    wire = {**resident_to_wire(a, enrollment=None), "national_id": "031190000999"}
    clean, _errors = validate_member(wire, round_year=ROUND)
    with recording(user=None, source="api", round_year=ROUND) as recorder:
        resident_update(
            resident=a,
            household=a.household,
            member=clean,
            position=None,
            enrollment=None,
            round_year=ROUND,
            recorder=recorder,
        )
    undo = pair_undo(pair=pair, user=officer, round_year=ROUND)
    a.refresh_from_db()
    assert a.national_id == "031190000999" and undo.fields == {"kept": ["national_id"]}


def test_different_people_are_remembered_and_never_suggested_again(twins_of_one, officer):
    a, b = twins_of_one
    check(a, b)
    pair_decide(
        pair=only_pair(), user=officer, decision="different", round_year=ROUND, note="hai chị em họ"
    )
    check(a, b)
    pair = only_pair()
    assert pair.status == PairStatus.DIFFERENT
    assert DuplicatePair.objects.filter(status=PairStatus.OPEN).count() == 0
    assert Decision.objects.get().note == "hai chị em họ"


def test_a_decided_pair_cannot_be_decided_twice(twins_of_one, officer):
    a, b = twins_of_one
    check(a, b)
    pair_decide(pair=only_pair(), user=officer, decision="different", round_year=ROUND)
    with pytest.raises(PairDecided):
        pair_decide(pair=only_pair(), user=officer, decision="different", round_year=ROUND)


def test_a_move_link_counts_the_person_once_where_they_live_now(city, commune_c, officer):
    left = add_person(
        city.village_a1,
        "T01-010",
        full_name="Trần Văn Bình",
        birth_year=1988,
        birth_month=6,
        birth_day=15,
        primary_completed_year=1999,
        lower_secondary_graduated_year=2003,
        upper_secondary_graduated_year=2006,
    )
    arrived = add_person(
        commune_c,
        "T01-011",
        full_name="Tran Van Binh",
        birth_year=1988,
        birth_month=6,
        birth_day=15,
        status="moved_in",
        status_year=ROUND,
        primary_completed_year=1999,
        lower_secondary_graduated_year=2003,
        upper_secondary_graduated_year=2006,
    )
    check(left, arrived)
    pair = only_pair()
    assert (
        population(city.commune_a) + population(commune_c.parent) == 2
    )  # counted twice before the decision
    origin = "left" if pair.left_id == left.pk else "right"
    pair_decide(pair=pair, user=officer, decision="moved", moved_out=origin, round_year=ROUND)
    left.refresh_from_db()
    assert (left.status, left.status_year, left.deleted_at) == (
        "moved_out",
        ROUND,
        None,
    )  # kept in the register
    assert population(city.commune_a) == 0 and population(commune_c.parent) == 1
    pair.refresh_from_db()
    assert (pair.status, pair.absorbed_id, pair.survivor_id) == (
        PairStatus.MOVED,
        left.pk,
        arrived.pk,
    )
    pair_undo(pair=pair, user=officer, round_year=ROUND)
    left.refresh_from_db()
    assert left.status == "present" and population(city.commune_a) == 1


def test_a_move_needs_a_destination_that_counts(city, twins_of_one, officer):
    a, b = twins_of_one
    check(a, b)
    with pytest.raises(ValidationFailed):
        pair_decide(pair=only_pair(), user=officer, decision="moved", round_year=ROUND)


def test_an_exact_national_id_match_links_automatically_after_the_change(
    city, django_capture_on_commit_callbacks
):
    fields = {
        "full_name": "Lê Văn Tâm",
        "birth_year": 1975,
        "birth_month": 1,
        "birth_day": 2,
        "national_id": "031075000321",
        "primary_completed_year": 1986,
        "lower_secondary_graduated_year": 1990,
        "upper_secondary_graduated_year": 1993,
    }
    with django_capture_on_commit_callbacks(execute=True):
        first = add_person(city.village_a1, "T01-020", **fields)
    with django_capture_on_commit_callbacks(execute=True):
        second = add_person(city.village_a2, "T02-020", **{**fields, "full_name": "LE VAN TAM"})
    pair = only_pair()
    assert pair.status == PairStatus.SAME and pair.auto
    kept, gone = (
        Resident.objects.get(pk=pair.survivor_id),
        Resident.objects.get(pk=pair.absorbed_id),
    )
    assert {kept.pk, gone.pk} == {first.pk, second.pk} and gone.deleted_at is not None
    assert Decision.objects.get().user is None
    pair_undo(pair=pair, user=None, round_year=ROUND)
    check(first, second)
    pair.refresh_from_db()
    assert pair.status == PairStatus.OPEN  # undone: never linked automatically again


def test_the_same_national_id_with_another_birth_year_waits_for_review(city):
    first = add_person(
        city.village_a1,
        "T01-030",
        full_name="Lê Văn Tâm",
        birth_year=1975,
        birth_month=1,
        birth_day=2,
        national_id="031075000321",
    )
    second = add_person(
        city.village_a1,
        "T01-031",
        full_name="Lê Văn Tâm",
        birth_year=1976,
        birth_month=1,
        birth_day=2,
        national_id="031075000321",
    )
    result = check(first, second)
    assert result["auto_linked"] == 0
    assert only_pair().status == PairStatus.OPEN


def test_a_deleted_resident_drops_out_of_the_index(twins_of_one):
    from dedup.models import MatchKey

    a, b = twins_of_one
    check(a, b)
    assert MatchKey.objects.filter(resident_id=b.pk).exists()
    Resident.objects.filter(pk=b.pk).update(deleted_at=a.created_at)
    check(a, b)
    assert not MatchKey.objects.filter(resident_id=b.pk).exists()


def test_the_change_check_makes_a_bounded_number_of_queries(
    city, commune_c, django_assert_max_num_queries
):
    people = [
        add_person(city.village_a1, f"Q-{i}", full_name=f"Hoàng Văn {name}", birth_year=1980)
        for i, name in enumerate(["Nam", "Năm", "Nam", "Lâm", "Tâm", "Hùng"])
    ]
    check(*people)
    with django_assert_max_num_queries(20):
        result = check(people[0])
    assert result["checked"] == 1
