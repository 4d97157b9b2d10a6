"""Applying merged values to one household or resident: validate, check scope, write."""

import uuid

from django.utils.translation import gettext as _

from areas.access import area_visible
from server.errors import NotFound, ValidationFailed
from surveys.models import Enrollment, Household, Resident
from surveys.recording import Recorder
from surveys.sequence import next_seq
from surveys.services import (
    household_number_taken,
    household_write,
    resident_update,
    village_for_code,
)
from surveys.validation import Errors, validate_household_fields, validate_member
from surveys.wire import HOUSEHOLD_COLUMNS, resident_to_wire

HOUSEHOLD_FIELDS = ("village", *HOUSEHOLD_COLUMNS)


def household_visible(*, household: Household, user) -> bool:
    """The household's village is in the user's scope (``areas.access``, as ``scope_q`` filters)."""
    if user is None:
        return True
    return area_visible(user=user, area=household.village)


def household_locked(*, household_id, user) -> Household | None:
    """The household (live or deleted) locked for update; None when it does not exist.
    Out of the user's scope is NotFound, like the REST API."""
    household = (
        Household.objects.select_for_update()
        .select_related("village")
        .filter(pk=household_id)
        .first()
    )
    if household is not None and not household_visible(household=household, user=user):
        raise NotFound(errors={"entity_id": [_("Not found.")]})
    return household


def household_fields(household: Household) -> dict:
    return {
        "village": household.village.code,
        **{key: getattr(household, key) for key in HOUSEHOLD_COLUMNS},
    }


def resident_fields(resident: Resident, *, round_year: int) -> dict:
    enrollment = Enrollment.objects.filter(resident=resident, round_id=round_year).first()
    wire = resident_to_wire(resident, enrollment=enrollment)
    wire.pop("id")
    return {**wire, "household": str(resident.household_id)}


def _village(*, code: str, user, errors: Errors, villages: dict | None):
    """``village_for_code``, remembered in ``villages`` (one pushed batch) when given."""
    if villages is None:
        return village_for_code(code=code, user=user, errors=errors)
    if code not in villages:
        found = Errors()
        villages[code] = (
            village_for_code(code=code, user=user, errors=found),
            found.as_dict().get("village", []),
        )
    village, messages = villages[code]
    for message in messages:
        errors.add("village", message)
    return village


def household_apply(
    *,
    household: Household | None,
    household_id,
    values: dict,
    user,
    round_year: int,
    recorder: Recorder,
    villages: dict | None = None,
):
    """Create or update a household from merged wire values (no members).
    ``villages``: a cache of village lookups by code for the user (one pushed batch)."""
    clean, errors = validate_household_fields(
        {**values, "id": str(household_id)}, round_year=round_year
    )
    village = None
    if clean.get("village"):
        unchanged = household is not None and clean["village"] == household.village.code
        village = (
            household.village
            if unchanged
            else _village(code=clean["village"], user=user, errors=errors, villages=villages)
        )
    if village is not None and clean.get("number") and not errors.has("number"):
        if household_number_taken(
            commune_id=village.parent_id, number=clean["number"], household_id=household_id
        ):
            errors.add(
                "number",
                _("Household number %(n)s is already used in this commune.")
                % {"n": clean["number"]},
            )
    if errors:
        raise ValidationFailed(errors=errors.as_dict())
    saved, _created, _changed = household_write(
        existing=household, hid=household_id, fields=clean, village=village, recorder=recorder
    )
    return saved


def live_household(
    *, household_id, user, errors: Errors, path: str = "household"
) -> Household | None:
    """A live, visible household for a member to belong to; None with an error otherwise.
    Raises LookupError when the household does not exist at all (it may arrive later)."""
    try:
        household_id = uuid.UUID(str(household_id))
    except ValueError:
        errors.add(path, _("Must be a UUID."))
        return None
    household = Household.objects.select_related("village").filter(pk=household_id).first()
    if household is None:
        raise LookupError(household_id)
    if not household_visible(household=household, user=user):
        errors.add(path, _("No such household in your areas."))
        return None
    if household.deleted_at is not None:
        errors.add(path, _("This household was deleted."))
        return None
    return household


def member_clean(*, values: dict, resident_id, round_year: int, errors: Errors) -> dict:
    member_values = {
        k: v for k, v in values.items() if k not in ("household", "version", "deleted")
    }
    clean, member_errors = validate_member(
        {**member_values, "id": str(resident_id)}, round_year=round_year
    )
    for path, messages in member_errors.as_dict().items():
        for message in messages:
            errors.add(path, message)
    return clean


def resident_apply(
    *, resident: Resident, values: dict, user, round_year: int, recorder: Recorder
) -> Resident:
    """Update a resident from merged wire values (member fields plus ``household``)."""
    errors = Errors()
    target = resident.household
    if str(values.get("household")) != str(resident.household_id):
        try:
            target = live_household(household_id=values.get("household"), user=user, errors=errors)
        except LookupError:
            errors.add("household", _("No such household in your areas."))
    clean = member_clean(
        values=values, resident_id=resident.pk, round_year=round_year, errors=errors
    )
    if errors:
        raise ValidationFailed(errors=errors.as_dict())
    enrollment = Enrollment.objects.filter(resident=resident, round_id=round_year).first()
    resident_update(
        resident=resident,
        household=target,
        member=clean,
        position=None,
        enrollment=enrollment,
        round_year=round_year,
        recorder=recorder,
    )
    return resident


def restore(*, record: Household | Resident, household: Household, recorder: Recorder) -> None:
    """Bring a deleted household or resident back (a conflict decided for the phone's edit)."""
    record.deleted_at = None
    record.version += 1
    record.seq = next_seq()
    record.save(update_fields=["deleted_at", "version", "seq", "updated_at"])
    entity = "household" if isinstance(record, Household) else "resident"
    recorder.log(
        household=household,
        entity=entity,
        entity_id=record.pk,
        action="update",
        version=record.version,
        fields={"deleted": [True, False]},
        seq=record.seq,
    )
