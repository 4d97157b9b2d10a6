"""Writes to the survey register. Every change bumps versions, stamps the change
sequence and leaves an audit entry (who, when, which fields, old → new) through
``surveys.recording``. The REST API, the imports and the sync protocol all write
through the functions here."""

import datetime as dt
import uuid
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from areas.access import scope_q
from areas.models import Area, AreaKind
from server.errors import NotFound, ValidationFailed, VersionConflict
from surveys.models import Change, Enrollment, Household, Resident, Round, Visit
from surveys.recording import Recorder, is_user, recording
from surveys.sequence import next_seq
from surveys.text import fold, vi_sort_key_text
from surveys.validation import Errors, validate_household
from surveys.wire import (
    ENROLLMENT_COLUMNS,
    HOUSEHOLD_COLUMNS,
    RESIDENT_COLUMNS,
    household_to_wire,
    member_values_to_wire,
    resident_to_wire,
)


@dataclass
class SaveResult:
    household: Household
    created: bool = False
    changed: bool = False
    changes: list[Change] = field(default_factory=list)


def round_ensure(*, year: int) -> Round:
    round_, _created = Round.objects.get_or_create(year=year)
    return round_


def diff(old: dict, new: dict) -> dict:
    """``{field: [old, new]}`` for each field of ``new`` whose value differs."""
    return {key: [old.get(key), value] for key, value in new.items() if old.get(key) != value}


def _jsonable(value):
    return str(value) if isinstance(value, uuid.UUID) else value


def village_for_code(*, code: str, user, errors: Errors, path: str = "village") -> Area | None:
    """The village with this code in the user's scope (``user`` None: anywhere), or an error."""
    villages = Area.objects.filter(kind=AreaKind.VILLAGE, code=code)
    if user is not None:
        villages = villages.filter(scope_q(user=user, path_field="path"))
    found = list(villages.select_related("parent")[:2])
    if not found:
        errors.add(path, _("No village with code %(code)r in your areas.") % {"code": code})
        return None
    if len(found) > 1:
        errors.add(path, _("Village code %(code)r exists in several communes.") % {"code": code})
        return None
    return found[0]


def household_number_taken(*, commune_id: int, number: str, household_id) -> bool:
    taken = Household.objects.filter(commune_id=commune_id, number=number, deleted_at__isnull=True)
    return taken.exclude(pk=household_id).exists()


def _merge_partial(current: dict, data: dict) -> dict:
    """Overlay a partial update on the current wire household; members merge by id."""
    merged = {**current, **{k: v for k, v in data.items() if k != "members"}}
    if "members" in data and isinstance(data["members"], list):
        by_id = {m["id"]: m for m in current["members"]}
        given = [m for m in data["members"]]
        given_ids = {str(m.get("id")) for m in given if isinstance(m, dict) and m.get("id")}
        members = [m for m in current["members"] if m["id"] not in given_ids]
        for member in given:
            member_id = (
                str(member.get("id")) if isinstance(member, dict) and member.get("id") else None
            )
            members.append({**by_id[member_id], **member} if member_id in by_id else member)
        order = {m["id"]: i for i, m in enumerate(current["members"])}

        def position(m):
            key = str(m.get("id")) if isinstance(m, dict) else None
            return order.get(key, len(order))

        merged["members"] = sorted(members, key=position)
    return merged


def _check_references(*, clean: dict, household_id, commune: Area | None, errors: Errors) -> None:
    if commune is not None and clean["number"]:
        if household_number_taken(
            commune_id=commune.pk, number=clean["number"], household_id=household_id
        ):
            errors.add(
                "number",
                _("Household number %(n)s is already used in this commune.")
                % {"n": clean["number"]},
            )
    ids = {m["id"]: i for i, m in enumerate(clean["members"]) if m and m["id"]}
    if ids:
        elsewhere = Resident.objects.filter(id__in=list(ids)).exclude(household_id=household_id)
        for resident_id in elsewhere.values_list("id", flat=True):
            errors.add(
                f"members.{ids[resident_id]}.id", _("This person belongs to another household.")
            )


def household_visible_for_update(*, household_id, user) -> Household | None:
    """The live household locked for update, None when missing; NotFound when out of scope."""
    household = (
        Household.objects.select_for_update()
        .filter(pk=household_id, deleted_at__isnull=True)
        .first()
    )
    if household is not None and user is not None:
        if not Household.objects.filter(
            scope_q(user=user, path_field="village__path"), pk=household_id
        ).exists():
            raise NotFound()
    return household


@transaction.atomic
def household_upsert(
    *,
    data: dict,
    round_year: int,
    user=None,
    source: str = "api",
    household_id: uuid.UUID | None = None,
    partial: bool = False,
    must_create: bool = False,
    reason: str = "",
) -> SaveResult:
    """Create or update a household with its members, this round's visit and enrollments.

    ``user`` None is the system (imports, commands): no scope limit. With
    ``household_id`` the household must exist and be visible. ``partial`` keeps
    the fields and members that ``data`` does not mention; otherwise members
    missing from ``data`` are deleted (kept as tombstones). A ``version`` in
    ``data`` that is not the current one is a conflict. ``reason``: needed when the
    commune is signed off for the round (``surveys.signoff``), kept on every Change.
    """
    if not isinstance(data, dict):
        raise ValidationFailed(
            errors={"non_field_errors": [_("A household must be a JSON object.")]}
        )
    hid = household_id or _parse_uuid(data.get("id"))
    existing = household_visible_for_update(household_id=hid, user=user) if hid else None
    if existing is None and household_id is not None:
        raise NotFound()
    if existing is None and hid is not None and Household.objects.filter(pk=hid).exists():
        raise ValidationFailed(
            errors={"id": [_("This household was deleted; its id cannot be reused.")]}
        )
    if existing is not None and must_create:
        raise ValidationFailed(errors={"id": [_("A household with this id already exists.")]})
    if existing is not None and "version" in data and data["version"] != existing.version:
        raise VersionConflict(
            errors={"version": [_("The current version is %(v)d.") % {"v": existing.version}]}
        )
    current = household_to_wire(existing, round_year=round_year) if existing else None
    merged = (
        _merge_partial(current, data)
        if partial and current
        else {**data, "id": str(hid) if hid else data.get("id")}
    )
    clean, errors = validate_household(merged, round_year=round_year)
    village = (
        village_for_code(code=clean["village"], user=user, errors=errors)
        if clean.get("village")
        else None
    )
    hid = hid or uuid.uuid4()
    if not errors.has("number") and clean:
        _check_references(
            clean=clean,
            household_id=hid,
            commune=village.parent if village else None,
            errors=errors,
        )
    if errors:
        raise ValidationFailed(errors=errors.as_dict())
    round_ensure(year=round_year)
    with recording(user=user, source=source, round_year=round_year, reason=reason) as recorder:
        household, created, changed = household_write(
            existing=existing, hid=hid, fields=clean, village=village, recorder=recorder
        )
        changed |= _write_members(
            household=household,
            clean=clean,
            round_year=round_year,
            full=not partial,
            recorder=recorder,
        )
        if clean.get("visit"):
            changed |= visit_record(
                household=household,
                date=clean["visit"]["date"],
                round_year=round_year,
                recorder=recorder,
            )
    return SaveResult(
        household=household, created=created, changed=changed or created, changes=recorder.changes
    )


def _parse_uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def household_write(
    *, existing, hid, fields: dict, village: Area, recorder: Recorder
) -> tuple[Household, bool, bool]:
    """Create the household or write the fields that changed. ``fields`` holds clean household columns."""
    values = {key: fields[key] for key in HOUSEHOLD_COLUMNS}
    if existing is None:
        seq = next_seq()
        household = Household.objects.create(
            id=hid, village=village, commune_id=village.parent_id, seq=seq, **values
        )
        changed_fields = {
            key: [None, value] for key, value in {"village": village.code, **values}.items()
        }
        recorder.log(
            household=household,
            entity="household",
            entity_id=hid,
            action="create",
            version=1,
            fields=changed_fields,
            seq=seq,
        )
        return household, True, True
    old = {
        "village": existing.village.code,
        **{key: getattr(existing, key) for key in HOUSEHOLD_COLUMNS},
    }
    changes = diff(old, {"village": village.code, **values})
    if not changes:
        return existing, False, False
    for key, value in values.items():
        setattr(existing, key, value)
    commune_moved = existing.commune_id != village.parent_id
    existing.village, existing.commune_id = village, village.parent_id
    existing.version += 1
    existing.seq = next_seq()
    existing.save(
        update_fields=[*HOUSEHOLD_COLUMNS, "village", "commune", "version", "seq", "updated_at"]
    )
    if commune_moved:
        existing.members.update(commune_id=village.parent_id)
    recorder.log(
        household=existing,
        entity="household",
        entity_id=hid,
        action="update",
        version=existing.version,
        fields=changes,
        seq=existing.seq,
    )
    return existing, False, True


def household_delete(*, household: Household, recorder: Recorder) -> None:
    """Soft delete a household and its members: they stay as tombstones."""
    for resident in household.members.filter(deleted_at__isnull=True):
        resident_delete(resident=resident, household=household, recorder=recorder)
    household.deleted_at = timezone.now()
    household.version += 1
    household.seq = next_seq()
    household.save(update_fields=["deleted_at", "version", "seq", "updated_at"])
    recorder.log(
        household=household,
        entity="household",
        entity_id=household.pk,
        action="delete",
        version=household.version,
        fields={},
        seq=household.seq,
    )


def _write_members(*, household, clean, round_year, full, recorder) -> bool:
    current = {r.id: r for r in household.members.filter(deleted_at__isnull=True)}
    enrollments = {
        e.resident_id: e
        for e in Enrollment.objects.filter(resident__household=household, round_id=round_year)
    }
    changed = False
    seen = set()
    for position, member in enumerate(clean["members"]):
        member = {**member, "id": member["id"] or uuid.uuid4()}
        seen.add(member["id"])
        resident = current.get(member["id"])
        if resident is None:
            resident_create(
                household=household,
                member=member,
                position=position,
                round_year=round_year,
                recorder=recorder,
            )
            changed = True
        else:
            changed |= resident_update(
                resident=resident,
                household=household,
                member=member,
                position=position,
                enrollment=enrollments.get(member["id"]),
                round_year=round_year,
                recorder=recorder,
            )
    if full:
        for member_id, resident in current.items():
            if member_id not in seen:
                resident_delete(resident=resident, household=household, recorder=recorder)
                changed = True
    return changed


def _resident_values(member: dict) -> dict:
    return {key: member[key] for key in RESIDENT_COLUMNS}


def resident_create(
    *, household: Household, member: dict, position: int, round_year: int, recorder: Recorder
) -> Resident:
    """Create a resident from a clean member (``surveys.validation``) with its enrollment of the round."""
    values = _resident_values(member)
    seq = next_seq()
    resident = Resident.objects.create(
        id=member["id"],
        household=household,
        commune_id=household.commune_id,
        position=position,
        name_folded=fold(values["full_name"]),
        sort_key=vi_sort_key_text(values["full_name"]),
        seq=seq,
        **values,
    )
    _write_enrollment(
        resident=resident, enrollment=member["enrollment"], current=None, round_year=round_year
    )
    wire = member_values_to_wire({**values, "id": resident.id, "enrollment": member["enrollment"]})
    created = {key: [None, _jsonable(value)] for key, value in wire.items() if key != "id"}
    recorder.log(
        household=household,
        entity="resident",
        entity_id=resident.id,
        action="create",
        version=1,
        fields=created,
        seq=seq,
    )
    return resident


def resident_update(
    *,
    resident: Resident,
    household: Household,
    member: dict,
    position: int | None,
    enrollment: Enrollment | None,
    round_year: int,
    recorder: Recorder,
) -> bool:
    """Write the fields of a clean member that changed; moving to ``household`` counts as a change."""
    values = _resident_values(member)
    old = {
        **resident_to_wire(resident, enrollment=enrollment),
        "household": str(resident.household_id),
    }
    new = {
        **member_values_to_wire({**values, "id": resident.id, "enrollment": member["enrollment"]}),
        "household": str(household.pk),
    }
    changes = diff(old, new)
    position = resident.position if position is None else position
    if not changes:
        if resident.position != position:
            Resident.objects.filter(pk=resident.pk).update(position=position)
        return False
    for key, value in values.items():
        setattr(resident, key, value)
    resident.household, resident.commune_id = household, household.commune_id
    resident.name_folded = fold(resident.full_name)
    resident.sort_key = vi_sort_key_text(resident.full_name)
    resident.position = position
    resident.version += 1
    resident.seq = next_seq()
    resident.save(
        update_fields=[
            *RESIDENT_COLUMNS,
            "household",
            "commune",
            "name_folded",
            "sort_key",
            "position",
            "version",
            "seq",
            "updated_at",
        ]
    )
    if "enrollment" in changes:
        _write_enrollment(
            resident=resident,
            enrollment=member["enrollment"],
            current=enrollment,
            round_year=round_year,
        )
    recorder.log(
        household=household,
        entity="resident",
        entity_id=resident.id,
        action="update",
        version=resident.version,
        fields=changes,
        seq=resident.seq,
    )
    return True


def _write_enrollment(
    *, resident, enrollment: dict | None, current: Enrollment | None, round_year: int
) -> None:
    if enrollment is None:
        if current is not None:
            current.delete()
        return
    values = {key: enrollment[key] for key in ENROLLMENT_COLUMNS}
    if current is None:
        Enrollment.objects.create(resident=resident, round_id=round_year, **values)
    else:
        Enrollment.objects.filter(pk=current.pk).update(**values)


def resident_delete(*, resident: Resident, household: Household, recorder: Recorder) -> None:
    """Soft delete: the row stays as a tombstone for the change feed and history."""
    resident.deleted_at = timezone.now()
    resident.version += 1
    resident.seq = next_seq()
    resident.save(update_fields=["deleted_at", "version", "seq", "updated_at"])
    recorder.log(
        household=household,
        entity="resident",
        entity_id=resident.id,
        action="delete",
        version=resident.version,
        fields={},
        seq=resident.seq,
    )


_UNREAD = object()


def visit_record(
    *, household: Household, date: dt.date, round_year: int, recorder: Recorder, current=_UNREAD
) -> bool:
    """Record (or move) the household's visit of the round; stamps the household's seq.

    ``current``: the visit of the round when the caller knows it for certain, None for
    a household that has none and cannot get one from elsewhere (created in this
    transaction, so invisible to others); by default it is read here.
    """
    known = current is not _UNREAD
    if not known:
        current = Visit.objects.filter(household=household, round_id=round_year).first()
    if current is not None and current.date == date:
        return False
    old = current.date.isoformat() if current else None
    surveyor = recorder.user if is_user(recorder.user) else None
    if known and current is None:
        Visit.objects.create(household=household, round_id=round_year, date=date, surveyor=surveyor)
    else:
        Visit.objects.update_or_create(
            household=household, round_id=round_year, defaults={"date": date, "surveyor": surveyor}
        )
    household.seq = next_seq()
    Household.objects.filter(pk=household.pk).update(seq=household.seq)
    changes = {"round": [None, round_year], "date": [old, date.isoformat()]}
    recorder.log(
        household=household,
        entity="visit",
        entity_id=household.pk,
        action="update" if current else "create",
        version=household.version,
        fields=changes,
        seq=household.seq,
    )
    return True
