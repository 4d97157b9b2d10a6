"""Writes to the survey register. Every change bumps versions, stamps the change
sequence and leaves an audit entry (who, when, which fields, old → new)."""

import uuid
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from areas.access import scope_q
from areas.models import Area, AreaKind
from server.errors import NotFound, ValidationFailed, VersionConflict
from surveys.models import Change, Enrollment, Household, Resident, Round, Visit
from surveys.sequence import next_seq
from surveys.text import fold
from surveys.validation import Errors, validate_household
from surveys.wire import (
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


@dataclass
class _Writer:
    """Carries who and where for the audit entries of one save."""

    user: object | None
    source: str
    commune_id: int
    household_id: uuid.UUID
    changes: list[Change] = field(default_factory=list)

    def log(self, *, entity: str, entity_id, action: str, version: int, fields: dict, seq: int) -> None:
        change = Change.objects.create(
            seq=seq, entity=entity, entity_id=entity_id, household_id=self.household_id, commune_id=self.commune_id,
            action=action, version=version, fields=fields, user=self.user if _is_user(self.user) else None,
            source=self.source,
        )
        self.changes.append(change)


def _is_user(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def round_ensure(*, year: int) -> Round:
    round_, _created = Round.objects.get_or_create(year=year)
    return round_


def _diff(old: dict, new: dict) -> dict:
    return {key: [old.get(key), value] for key, value in new.items() if old.get(key) != value}


def _jsonable(value):
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _village_for(*, code: str, user, errors: Errors) -> Area | None:
    villages = Area.objects.filter(kind=AreaKind.VILLAGE, code=code)
    if user is not None:
        villages = villages.filter(scope_q(user=user, path_field="path"))
    found = list(villages.select_related("parent")[:2])
    if not found:
        errors.add("village", _("No village with code %(code)r in your areas.") % {"code": code})
        return None
    if len(found) > 1:
        errors.add("village", _("Village code %(code)r exists in several communes.") % {"code": code})
        return None
    return found[0]


def _merge_partial(current: dict, data: dict) -> dict:
    """Overlay a partial update on the current wire household; members merge by id."""
    merged = {**current, **{k: v for k, v in data.items() if k != "members"}}
    if "members" in data and isinstance(data["members"], list):
        by_id = {m["id"]: m for m in current["members"]}
        given_ids = set()
        members = []
        for member in data["members"]:
            member_id = str(member.get("id")) if isinstance(member, dict) and member.get("id") else None
            if member_id in by_id:
                members.append({**by_id[member_id], **member})
                given_ids.add(member_id)
            else:
                members.append(member)
        merged["members"] = [m for m in current["members"] if m["id"] not in given_ids] + members
        merged["members"] = _keep_current_order(current["members"], merged["members"])
    return merged


def _keep_current_order(current: list, members: list) -> list:
    order = {m["id"]: i for i, m in enumerate(current)}
    known = sorted((m for m in members if isinstance(m, dict) and str(m.get("id")) in order), key=lambda m: order[str(m["id"])])
    new = [m for m in members if not (isinstance(m, dict) and str(m.get("id")) in order)]
    return known + new


def _check_references(*, clean: dict, household_id, commune: Area | None, errors: Errors) -> None:
    if commune is not None and clean["number"]:
        taken = Household.objects.filter(commune=commune, number=clean["number"], deleted_at__isnull=True)
        if taken.exclude(pk=household_id).exists():
            errors.add("number", _("Household number %(n)s is already used in this commune.") % {"n": clean["number"]})
    ids = {m["id"]: i for i, m in enumerate(clean["members"]) if m and m["id"]}
    if ids:
        elsewhere = Resident.objects.filter(id__in=list(ids)).exclude(household_id=household_id)
        for resident_id in elsewhere.values_list("id", flat=True):
            errors.add(f"members.{ids[resident_id]}.id", _("This person belongs to another household."))


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
) -> SaveResult:
    """Create or update a household with its members, this round's visit and enrollments.

    ``user`` None is the system (imports, commands): no scope limit. With
    ``household_id`` the household must exist and be visible. ``partial`` keeps
    the fields and members that ``data`` does not mention; otherwise members
    missing from ``data`` are deleted (kept as tombstones). A ``version`` in
    ``data`` that is not the current one is a conflict.
    """
    if not isinstance(data, dict):
        raise ValidationFailed(errors={"non_field_errors": [_("A household must be a JSON object.")]})
    hid = household_id or _parse_uuid(data.get("id"))
    existing = _household_for_update(hid=hid, user=user, required=household_id is not None)
    if existing is not None and must_create:
        raise ValidationFailed(errors={"id": [_("A household with this id already exists.")]})
    if existing is not None and "version" in data and data["version"] != existing.version:
        raise VersionConflict(errors={"version": [_("The current version is %(v)d.") % {"v": existing.version}]})
    current = household_to_wire(existing, round_year=round_year) if existing else None
    merged = _merge_partial(current, data) if partial and current else {**data, "id": str(hid) if hid else data.get("id")}
    clean, errors = validate_household(merged, round_year=round_year)
    village = _village_for(code=clean["village"], user=user, errors=errors) if clean.get("village") else None
    hid = hid or uuid.uuid4()
    if not errors.has("number") and clean:
        _check_references(clean=clean, household_id=hid, commune=village.parent if village else None, errors=errors)
    if errors:
        raise ValidationFailed(errors=errors.as_dict())
    round_ensure(year=round_year)
    writer = _Writer(user=user, source=source, commune_id=village.parent_id, household_id=hid)
    household, created, changed = _write_household(existing=existing, hid=hid, clean=clean, village=village, writer=writer)
    changed |= _write_members(household=household, clean=clean, round_year=round_year, full=not partial, writer=writer)
    changed |= _write_visit(household=household, clean=clean, round_year=round_year, writer=writer)
    return SaveResult(household=household, created=created, changed=changed or created, changes=writer.changes)


def _parse_uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def _household_for_update(*, hid, user, required: bool) -> Household | None:
    if hid is None:
        if required:
            raise NotFound()
        return None
    queryset = Household.objects.select_for_update().filter(pk=hid, deleted_at__isnull=True)
    household = queryset.first()
    if household is not None and user is not None:
        if not Household.objects.filter(scope_q(user=user, path_field="village__path"), pk=hid).exists():
            raise NotFound()
    if household is None and required:
        raise NotFound()
    if household is None and Household.objects.filter(pk=hid).exists():
        raise ValidationFailed(errors={"id": [_("This household was deleted; its id cannot be reused.")]})
    return household


def _write_household(*, existing, hid, clean, village, writer) -> tuple[Household, bool, bool]:
    values = {key: clean[key] for key in HOUSEHOLD_COLUMNS}
    if existing is None:
        seq = next_seq()
        household = Household.objects.create(id=hid, village=village, commune_id=village.parent_id, seq=seq, **values)
        household.village = village
        fields = {key: [None, value] for key, value in {"village": village.code, **values}.items()}
        writer.log(entity="household", entity_id=hid, action="create", version=1, fields=fields, seq=seq)
        return household, True, True
    old = {"village": existing.village.code, **{key: getattr(existing, key) for key in HOUSEHOLD_COLUMNS}}
    diff = _diff(old, {"village": village.code, **values})
    if not diff:
        return existing, False, False
    for key, value in values.items():
        setattr(existing, key, value)
    commune_moved = existing.commune_id != village.parent_id
    existing.village, existing.commune_id = village, village.parent_id
    existing.version += 1
    existing.seq = next_seq()
    existing.save(update_fields=[*HOUSEHOLD_COLUMNS, "village", "commune", "version", "seq", "updated_at"])
    if commune_moved:
        existing.members.update(commune_id=village.parent_id)
    writer.log(entity="household", entity_id=hid, action="update", version=existing.version, fields=diff, seq=existing.seq)
    return existing, False, True


def _write_members(*, household, clean, round_year, full, writer) -> bool:
    current = {r.id: r for r in household.members.filter(deleted_at__isnull=True)}
    enrollments = {e.resident_id: e for e in Enrollment.objects.filter(resident__household=household, round_id=round_year)}
    changed = False
    seen = set()
    for position, member in enumerate(clean["members"]):
        member_id = member["id"] or uuid.uuid4()
        seen.add(member_id)
        resident = current.get(member_id)
        if resident is None:
            _create_resident(household=household, member={**member, "id": member_id}, position=position, round_year=round_year, writer=writer)
            changed = True
        else:
            changed |= _update_resident(
                resident=resident, member=member, position=position, enrollment=enrollments.get(member_id),
                round_year=round_year, writer=writer,
            )
    if full:
        for member_id, resident in current.items():
            if member_id not in seen:
                resident_delete(resident=resident, writer=writer)
                changed = True
    return changed


def _resident_values(member: dict) -> dict:
    return {key: member[key] for key in RESIDENT_COLUMNS}


def _create_resident(*, household, member, position, round_year, writer) -> Resident:
    values = _resident_values(member)
    seq = next_seq()
    resident = Resident.objects.create(
        id=member["id"], household=household, commune_id=household.commune_id, position=position,
        name_folded=fold(values["full_name"]), seq=seq, **values,
    )
    _write_enrollment(resident=resident, enrollment=member["enrollment"], current=None, round_year=round_year)
    wire = member_values_to_wire({**values, "id": resident.id, "enrollment": member["enrollment"]})
    fields = {key: [None, _jsonable(value)] for key, value in wire.items() if key != "id"}
    writer.log(entity="resident", entity_id=resident.id, action="create", version=1, fields=fields, seq=seq)
    return resident


def _update_resident(*, resident, member, position, enrollment, round_year, writer) -> bool:
    values = _resident_values(member)
    old = resident_to_wire(resident, enrollment=enrollment)
    new = member_values_to_wire({**values, "id": resident.id, "enrollment": member["enrollment"]})
    diff = _diff(old, new)
    if not diff:
        if resident.position != position:
            Resident.objects.filter(pk=resident.pk).update(position=position)
        return False
    for key, value in values.items():
        setattr(resident, key, value)
    resident.name_folded = fold(resident.full_name)
    resident.position = position
    resident.version += 1
    resident.seq = next_seq()
    resident.save(update_fields=[*RESIDENT_COLUMNS, "name_folded", "position", "version", "seq", "updated_at"])
    if "enrollment" in diff:
        _write_enrollment(resident=resident, enrollment=member["enrollment"], current=enrollment, round_year=round_year)
    writer.log(entity="resident", entity_id=resident.id, action="update", version=resident.version, fields=diff, seq=resident.seq)
    return True


def _write_enrollment(*, resident, enrollment: dict | None, current: Enrollment | None, round_year: int) -> None:
    if enrollment is None:
        if current is not None:
            current.delete()
        return
    values = {"level": enrollment["level"], "grade": enrollment["grade"], "school": enrollment["school"]}
    if current is None:
        Enrollment.objects.create(resident=resident, round_id=round_year, **values)
    else:
        Enrollment.objects.filter(pk=current.pk).update(**values)


def resident_delete(*, resident: Resident, writer: _Writer) -> None:
    """Soft delete: the row stays as a tombstone for the change feed and history."""
    resident.deleted_at = timezone.now()
    resident.version += 1
    resident.seq = next_seq()
    resident.save(update_fields=["deleted_at", "version", "seq", "updated_at"])
    writer.log(entity="resident", entity_id=resident.id, action="delete", version=resident.version, fields={}, seq=resident.seq)


def _write_visit(*, household, clean, round_year, writer) -> bool:
    visit = clean.get("visit")
    if not visit:
        return False
    current = Visit.objects.filter(household=household, round_id=round_year).first()
    if current is not None and current.date == visit["date"]:
        return False
    old = current.date.isoformat() if current else None
    surveyor = writer.user if _is_user(writer.user) else None
    Visit.objects.update_or_create(household=household, round_id=round_year, defaults={"date": visit["date"], "surveyor": surveyor})
    household.seq = next_seq()
    Household.objects.filter(pk=household.pk).update(seq=household.seq)
    fields = {"round": [None, round_year], "date": [old, visit["date"].isoformat()]}
    writer.log(entity="visit", entity_id=household.id, action="update" if current else "create", version=household.version, fields=fields, seq=household.seq)
    return True
