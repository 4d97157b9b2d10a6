"""Records ↔ wire format v1 (DOMAIN.md §4)."""

from surveys.models import Enrollment, Household, Resident, Visit

RESIDENT_COLUMNS = (
    "full_name",
    "sex",
    "birth_year",
    "birth_month",
    "birth_day",
    "ethnicity",
    "relation",
    "national_id",
    "guardian_name",
    "status",
    "status_year",
    "disability",
    "preschool_completed_year",
    "primary_completed_year",
    "lower_secondary_graduated_year",
    "upper_secondary_graduated_year",
    "highest_grade_completed",
    "literacy_stage",
    "dropped_out_grade",
    "dropped_out_year",
)
HOUSEHOLD_COLUMNS = ("number", "address", "residence", "phone", "note")
# The stored fields of a round's enrollment (the wire dict adds "round").
ENROLLMENT_COLUMNS = ("level", "grade", "school")


def enrollment_to_wire(enrollment: Enrollment | None) -> dict | None:
    if enrollment is None:
        return None
    return {
        "round": enrollment.round_id,
        **{key: getattr(enrollment, key) for key in ENROLLMENT_COLUMNS},
    }


def visit_to_wire(visit: Visit | None) -> dict | None:
    if visit is None:
        return None
    return {"round": visit.round_id, "date": visit.date.isoformat()}


def member_values_to_wire(values: dict) -> dict:
    """Stored member values (columns + enrollment dict) in wire order and shape."""
    dropped = None
    if values["dropped_out_grade"] is not None or values["dropped_out_year"] is not None:
        dropped = {"grade": values["dropped_out_grade"], "year": values["dropped_out_year"]}
    wire = {"id": str(values["id"])}
    for key in RESIDENT_COLUMNS:
        if not key.startswith("dropped_out"):
            wire[key] = values[key]
    wire["dropped_out"] = dropped
    wire["enrollment"] = values["enrollment"]
    return wire


def resident_to_wire(
    resident: Resident, *, enrollment: Enrollment | None, with_version: bool = False
) -> dict:
    values = {key: getattr(resident, key) for key in RESIDENT_COLUMNS}
    values["id"] = resident.id
    values["enrollment"] = enrollment_to_wire(enrollment)
    wire = member_values_to_wire(values)
    if with_version:
        wire["version"] = resident.version
    return wire


def household_to_wire(household: Household, *, round_year: int, with_version: bool = False) -> dict:
    """The household with its current members, this round's visit and enrollments.

    Expects ``household.round_visits`` and ``member.round_enrollments`` prefetched
    (see ``surveys.selectors.with_round_details``), else queries per record.
    """
    members = getattr(household, "current_members", None)
    if members is None:
        members = list(
            household.members.filter(deleted_at__isnull=True).order_by("position", "created_at")
        )
    wire = _household_fields(household, round_year=round_year)
    wire["members"] = [_member_wire(m, round_year, with_version) for m in members]
    if with_version:
        wire["version"] = household.version
    return wire


def _member_wire(resident: Resident, round_year: int, with_version: bool) -> dict:
    enrollments = getattr(resident, "round_enrollments", None)
    if enrollments is None:
        enrollments = list(resident.enrollments.filter(round_id=round_year))
    return resident_to_wire(
        resident, enrollment=enrollments[0] if enrollments else None, with_version=with_version
    )


def household_record(household: Household, *, round_year: int) -> dict:
    """A household without members, as the sync feed and push results carry it."""
    return {
        **_household_fields(household, round_year=round_year),
        "version": household.version,
        "deleted": household.deleted_at is not None,
    }


def _household_fields(household: Household, *, round_year: int) -> dict:
    """The household's own wire fields and this round's visit (prefetched as ``round_visits``)."""
    visits = getattr(household, "round_visits", None)
    if visits is None:
        visits = list(household.visits.filter(round_id=round_year))
    return {
        "id": str(household.id),
        "village": household.village.code,
        "number": household.number,
        "address": household.address,
        "residence": household.residence,
        "phone": household.phone,
        "note": household.note,
        "visit": visit_to_wire(visits[0] if visits else None),
    }


def resident_record(resident: Resident, *, round_year: int) -> dict:
    """A member with its household id, as the sync feed and push results carry it."""
    enrollments = getattr(resident, "round_enrollments", None)
    if enrollments is None:
        enrollments = list(resident.enrollments.filter(round_id=round_year))
    wire = resident_to_wire(
        resident, enrollment=enrollments[0] if enrollments else None, with_version=True
    )
    wire["household"] = str(resident.household_id)
    wire["deleted"] = resident.deleted_at is not None
    return wire
