import pytest

from server.errors import NotFound, ValidationFailed, VersionConflict
from surveys.models import Change, Enrollment, Household, Resident, Visit
from surveys.sequence import current_seq
from surveys.services import household_upsert
from tests.factories import ROUND, child, household, make_user, member

pytestmark = pytest.mark.django_db


def test_it_creates_a_household_with_members_enrollments_visit_and_history(city):
    data = household(city.village_a1)
    result = household_upsert(data=data, round_year=ROUND, source="test")
    assert result.created
    saved = Household.objects.get(pk=data["id"])
    assert saved.commune == city.commune_a and saved.version == 1
    assert Resident.objects.filter(household=saved).count() == 2
    assert Enrollment.objects.get(resident_id=data["members"][1]["id"]).grade == 6
    assert Visit.objects.get(household=saved).date.isoformat() == "2025-09-14"
    entities = sorted(Change.objects.filter(household_id=saved.pk).values_list("entity", "action"))
    assert entities == [
        ("household", "create"),
        ("resident", "create"),
        ("resident", "create"),
        ("visit", "create"),
    ]
    created = Change.objects.get(entity="household")
    assert created.fields["number"] == [None, "T01-001"] and created.source == "test"


def test_saving_the_same_data_again_changes_nothing(city):
    data = household(city.village_a1)
    household_upsert(data=data, round_year=ROUND)
    before = (Change.objects.count(), current_seq())
    result = household_upsert(data=data, round_year=ROUND)
    assert not result.created and not result.changed
    assert (Change.objects.count(), current_seq()) == before
    assert Household.objects.get(pk=data["id"]).version == 1


def test_an_update_bumps_the_version_and_records_old_and_new_values(city):
    data = household(city.village_a1)
    household_upsert(data=data, round_year=ROUND)
    data["members"][0]["full_name"] = "Nguyễn Văn Nam Anh"
    data["address"] = "Số 14"
    household_upsert(
        data=data, round_year=ROUND, user=make_user("xa", "commune_officer", city.commune_a)
    )
    saved = Household.objects.get(pk=data["id"])
    head = Resident.objects.get(pk=data["members"][0]["id"])
    assert (saved.version, head.version) == (2, 2)
    assert head.name_folded == "nguyen van nam anh"
    change = Change.objects.filter(entity="resident", entity_id=head.pk).latest("seq")
    assert change.fields == {"full_name": ["Nguyễn Văn Nam", "Nguyễn Văn Nam Anh"]}
    assert change.user.username == "xa"


def test_change_sequence_increases_with_every_change(city):
    first = household(city.village_a1)
    household_upsert(data=first, round_year=ROUND)
    second = household(city.village_a2, "T02-001")
    household_upsert(data=second, round_year=ROUND)
    seqs = list(Change.objects.order_by("id").values_list("seq", flat=True))
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert Household.objects.get(pk=second["id"]).seq > Household.objects.get(pk=first["id"]).seq


def test_a_member_left_out_of_a_full_update_becomes_a_tombstone(city):
    data = household(city.village_a1)
    household_upsert(data=data, round_year=ROUND)
    gone = data["members"].pop(1)
    household_upsert(data=data, round_year=ROUND)
    resident = Resident.objects.get(pk=gone["id"])
    assert resident.deleted_at is not None and resident.version == 2
    assert Change.objects.filter(entity_id=resident.pk, action="delete").exists()


def test_a_partial_update_keeps_members_it_does_not_mention(city):
    data = household(city.village_a1)
    household_upsert(data=data, round_year=ROUND)
    patch = {"note": "Hộ nghèo", "members": [{"id": data["members"][1]["id"], "enrollment": None}]}
    household_upsert(data=patch, round_year=ROUND, household_id=data["id"], partial=True)
    assert Resident.objects.filter(household_id=data["id"], deleted_at__isnull=True).count() == 2
    assert not Enrollment.objects.filter(resident_id=data["members"][1]["id"]).exists()
    assert Household.objects.get(pk=data["id"]).note == "Hộ nghèo"


def test_a_stale_version_is_a_conflict_not_an_overwrite(city):
    data = household(city.village_a1)
    household_upsert(data=data, round_year=ROUND)
    household_upsert(data={**data, "note": "first"}, round_year=ROUND)
    with pytest.raises(VersionConflict):
        household_upsert(data={**data, "note": "second", "version": 1}, round_year=ROUND)
    assert Household.objects.get(pk=data["id"]).note == "first"


def test_a_household_number_is_unique_within_its_commune(city):
    household_upsert(data=household(city.village_a1, "T-1"), round_year=ROUND)
    with pytest.raises(ValidationFailed) as error:
        household_upsert(data=household(city.village_a2, "T-1"), round_year=ROUND)
    assert "number" in error.value.errors
    household_upsert(data=household(city.village_b1, "T-1"), round_year=ROUND)  # another commune


def test_a_person_of_another_household_cannot_be_taken_over(city):
    first = household(city.village_a1, "T-1")
    household_upsert(data=first, round_year=ROUND)
    second = household(city.village_a1, "T-2", members=[member(id=first["members"][0]["id"])])
    with pytest.raises(ValidationFailed) as error:
        household_upsert(data=second, round_year=ROUND)
    assert "members.0.id" in error.value.errors


def test_a_failed_save_leaves_nothing_behind(city):
    data = household(city.village_a1, members=[member(), child(birth_year=1800)])
    with pytest.raises(ValidationFailed):
        household_upsert(data=data, round_year=ROUND)
    assert (
        not Household.objects.exists()
        and not Resident.objects.exists()
        and not Change.objects.exists()
    )


def test_a_surveyor_cannot_write_outside_their_villages(city):
    surveyor = make_user("gv", "surveyor", city.village_a1)
    household_upsert(data=household(city.village_a1), round_year=ROUND, user=surveyor)
    with pytest.raises(ValidationFailed) as error:
        household_upsert(data=household(city.village_a2, "T-9"), round_year=ROUND, user=surveyor)
    assert "village" in error.value.errors
    foreign = household_upsert(data=household(city.village_a2, "T-10"), round_year=ROUND).household
    with pytest.raises(NotFound):
        household_upsert(
            data={"note": "x"},
            round_year=ROUND,
            user=surveyor,
            household_id=foreign.pk,
            partial=True,
        )


def test_moving_a_household_to_another_commune_moves_its_people(city):
    data = household(city.village_a1)
    household_upsert(data=data, round_year=ROUND)
    household_upsert(data={**data, "village": city.village_b1.code}, round_year=ROUND)
    assert set(Resident.objects.values_list("commune_id", flat=True)) == {city.commune_b.pk}
