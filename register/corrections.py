"""Corrections from the register: single, bulk, and their undo (docs/register.md).

Each correction is one sync-style operation (``register.ops``): the officer's
``base_version`` and ``base`` (the values shown) and the changed fields. Applied
through the sync path it gets the same validation, versions and change feed (the
phones receive it on their next pull); when the record changed meanwhile the
three-way merge keeps the other edit and opens a ``sync.Conflict`` for the fields
both changed, instead of overwriting. After a commune's sign-off a reason is needed
(the write path refuses without one and flags the correction on the boards).
"""

import uuid

from django.db import transaction
from django.utils.translation import gettext as _

from areas.access import user_can_manage
from register.models import BulkCorrection, Correction, CorrectionStatus
from register.ops import apply_ops, make_op
from register.search import clean_filters, may_see_national_id, people_search
from server.errors import Forbidden, NotFound, ValidationFailed
from surveys.models import Change, Enrollment, Household, Resident
from surveys.validation import Errors
from surveys.wire import HOUSEHOLD_COLUMNS, resident_to_wire
from sync.apply import member_clean
from sync.models import Conflict

RESIDENT_FIELDS = (
    "full_name", "sex", "birth_year", "birth_month", "birth_day", "ethnicity", "relation", "national_id",
    "guardian_name", "status", "status_year", "disability", "preschool_completed_year", "primary_completed_year",
    "lower_secondary_graduated_year", "upper_secondary_graduated_year", "highest_grade_completed",
    "literacy_stage", "dropped_out", "enrollment",
)  # fmt: skip
HOUSEHOLD_FIELDS = ("village", *HOUSEHOLD_COLUMNS)
ENTITIES = {"resident": RESIDENT_FIELDS, "household": HOUSEHOLD_FIELDS}
ENROLLMENT_PARTS = ("level", "grade", "school")
BULK_MAX = 2000


def _signed_off(*, commune_ids, round_year: int) -> set[int]:
    from surveys.signoff import signed_off_communes

    return signed_off_communes(commune_ids=commune_ids, round_year=round_year)


def reason_required_error() -> dict:
    return {
        "reason": [
            _(
                "The commune's data for this round are signed off: give a reason for this correction."
            )
        ]
    }


# --- reading the current values -------------------------------------------------------


def resident_values(resident: Resident, *, enrollment: Enrollment | None) -> dict:
    wire = resident_to_wire(resident, enrollment=enrollment)
    wire.pop("id")
    return wire


def household_values(household: Household) -> dict:
    return {
        "village": household.village.code,
        **{key: getattr(household, key) for key in HOUSEHOLD_COLUMNS},
    }


def current_values(*, entity: str, record, round_year: int) -> dict:
    if entity == "household":
        return household_values(record)
    enrollment = Enrollment.objects.filter(resident=record, round_id=round_year).first()
    return resident_values(record, enrollment=enrollment)


def _record_for(*, user, entity: str, entity_id, round_year: int):
    """The live record in the user's scope, and its household; NotFound / Forbidden otherwise."""
    from register.search import scope_filter

    if entity == "household":
        record = (
            Household.objects.filter(
                scope_filter(user=user, village_field="village_id"), deleted_at__isnull=True
            )
            .select_related("village")
            .filter(pk=entity_id)
            .first()
        )
        household = record
    else:
        record = (
            Resident.objects.filter(scope_filter(user=user), deleted_at__isnull=True)
            .select_related("household__village")
            .filter(pk=entity_id)
            .first()
        )
        household = record.household if record else None
    if record is None:
        raise NotFound(errors={"entity_id": [_("Not found.")]})
    if not user_can_manage(user=user, area=household.village):
        raise Forbidden(
            _(
                "Only commune officers and supervisors correct the register; surveyors use the phone."
            )
        )
    return record, household


def _check_input(*, user, entity: str, base: dict, changes: dict) -> None:
    errors: dict[str, list[str]] = {}
    if entity not in ENTITIES:
        raise ValidationFailed(errors={"entity": [_("Use household or resident.")]})
    if not isinstance(changes, dict) or not changes:
        raise ValidationFailed(errors={"changes": [_("Give at least one field to change.")]})
    if not isinstance(base, dict):
        raise ValidationFailed(
            errors={"base": [_("Must be an object: the values shown, per field.")]}
        )
    for name in changes:
        if name not in ENTITIES[entity]:
            errors[f"changes.{name}"] = [_("This field cannot be corrected here.")]
        elif name not in base:
            errors[f"base.{name}"] = [_("Give the value shown before the change.")]
    if "national_id" in changes and not may_see_national_id(user=user):
        errors["changes.national_id"] = [_("Your role may not see or correct national ID numbers.")]
    if errors:
        raise ValidationFailed(errors=errors)


def _applied_fields(op_ids) -> dict:
    """{op_id: {field: [old, new]}} from the Change rows the operations wrote (one query)."""
    out: dict = {}
    for change in (
        Change.objects.filter(op_id__in=list(op_ids)).exclude(entity="visit").order_by("seq")
    ):
        fields = out.setdefault(change.op_id, {})
        for name, value in change.fields.items():
            old = value[0] if isinstance(value, list) and len(value) == 2 else None
            new = value[1] if isinstance(value, list) and len(value) == 2 else value
            fields[name] = [fields[name][0] if name in fields else old, new]
    return out


def _finish(correction: Correction, result, applied: dict) -> Correction:
    if result.status == "rejected":
        correction.status = CorrectionStatus.REJECTED
        correction.errors = result.errors
    else:
        correction.applied = applied
        correction.version_after = result.version
        correction.conflict_id = result.extra.get("conflict_id")
        if result.status == "conflict":
            correction.status = CorrectionStatus.CONFLICT
        else:
            correction.status = CorrectionStatus.APPLIED if applied else CorrectionStatus.UNCHANGED
    return correction


# --- one correction -------------------------------------------------------------------


@transaction.atomic
def correction_apply(
    *,
    user,
    entity: str,
    entity_id,
    base_version: int,
    base: dict,
    changes: dict,
    round_year: int,
    reason: str = "",
    undo_of: Correction | None = None,
) -> Correction:
    """Apply one correction; a rejected one raises ``ValidationFailed`` and leaves nothing."""
    _check_input(user=user, entity=entity, base=base, changes=changes)
    if not isinstance(base_version, int) or isinstance(base_version, bool) or base_version < 1:
        raise ValidationFailed(
            errors={"base_version": [_("Must be the version shown (1 or more).")]}
        )
    record, household = _record_for(
        user=user, entity=entity, entity_id=entity_id, round_year=round_year
    )
    reason = (reason or "").strip()[:500]
    if not reason and _signed_off(commune_ids=[household.commune_id], round_year=round_year):
        raise ValidationFailed(errors=reason_required_error())
    correction = Correction.objects.create(
        user=user,
        entity=entity,
        entity_id=record.pk,
        household_id=household.pk,
        commune_id=household.commune_id,
        round_year=round_year,
        base_version=base_version,
        base={k: base[k] for k in changes},
        changes=changes,
        reason=reason,
        undo_of=undo_of,
    )
    op = make_op(
        op_id=correction.op_id,
        entity=entity,
        entity_id=record.pk,
        base_version=base_version,
        base=correction.base,
        data=changes,
        reason=reason,
    )
    result = apply_ops(user=user, ops=[op], round_year=round_year, source=correction.source)[0]
    if result.status == "rejected":  # leaving the atomic block undoes the Correction row too
        raise ValidationFailed(
            errors={f"changes.{k}" if k in changes else k: v for k, v in result.errors.items()}
        )
    _finish(correction, result, _applied_fields([correction.op_id]).get(correction.op_id, {}))
    correction.save(update_fields=["status", "errors", "applied", "version_after", "conflict_id"])
    return correction


def _undo_plan(correction: Correction, *, current: dict) -> tuple[dict, dict, dict]:
    """(base, changes, changed-since errors) to put back what the correction wrote."""
    base, changes, errors = {}, {}, {}
    for name, (old, new) in correction.applied.items():
        if name not in ENTITIES[correction.entity]:
            continue
        if current.get(name) != new:
            errors[f"changes.{name}"] = [
                _("Changed since the correction (now %(value)s): not undone.")
                % {"value": _shown(current.get(name))}
            ]
            continue
        base[name], changes[name] = new, old
    return base, changes, errors


def _shown(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, dict):
        return ", ".join(str(v) for v in value.values() if v not in (None, ""))
    return str(value)


def correction_undo(*, user, correction: Correction, reason: str = "") -> Correction:
    """Apply the inverse of a correction as a new correction.

    Refused when it was undone already, wrote nothing, or any field it wrote has
    changed since (the error names the field and its value now). A change racing
    the undo goes through the three-way merge: a conflict, not an overwrite.
    """
    with transaction.atomic():
        correction = Correction.objects.select_for_update().get(pk=correction.pk)
        if Correction.objects.filter(undo_of=correction).exists():
            raise ValidationFailed(
                errors={"correction": [_("This correction was already undone.")]}
            )
        if not correction.applied:
            raise ValidationFailed(
                errors={
                    "correction": [_("This correction changed nothing: there is nothing to undo.")]
                }
            )
        record, _household = _record_for(
            user=user,
            entity=correction.entity,
            entity_id=correction.entity_id,
            round_year=correction.round_year,
        )
        current = current_values(
            entity=correction.entity, record=record, round_year=correction.round_year
        )
        base, changes, errors = _undo_plan(correction, current=current)
        if errors:
            raise ValidationFailed(
                _("Some fields changed since the correction; undo refused."), errors=errors
            )
        return correction_apply(
            user=user,
            entity=correction.entity,
            entity_id=correction.entity_id,
            base_version=correction.version_after or record.version,
            base=base,
            changes=changes,
            round_year=correction.round_year,
            reason=reason or correction.reason,
            undo_of=correction,
        )


# --- bulk -----------------------------------------------------------------------------

BULK_FIELDS = (
    "status", "status_year", "disability", "ethnicity", "relation", "guardian_name", "literacy_stage",
    "highest_grade_completed", "enrollment", "enrollment.level", "enrollment.grade", "enrollment.school",
)  # fmt: skip


def bulk_select(*, user, selection: dict) -> list[Resident]:
    """The people of a selection: ``{"ids": [...]}`` or ``{"search": {filters}}``; at most BULK_MAX."""
    if not isinstance(selection, dict) or not (("ids" in selection) ^ ("search" in selection)):
        raise ValidationFailed(errors={"selection": [_("Give either a list of ids or a search.")]})
    if "ids" in selection:
        raw = selection["ids"]
        if not isinstance(raw, list) or not raw:
            raise ValidationFailed(errors={"selection.ids": [_("Give at least one id.")]})
        ids = []
        for index, value in enumerate(raw):
            try:
                ids.append(uuid.UUID(str(value)))
            except ValueError:
                raise ValidationFailed(
                    errors={f"selection.ids.{index}": [_("Must be a UUID.")]}
                ) from None
        if len(set(ids)) > BULK_MAX:
            raise ValidationFailed(errors={"selection": [_too_many(len(set(ids)))]})
        from register.search import scope_filter

        people = Resident.objects.filter(
            scope_filter(user=user), deleted_at__isnull=True, pk__in=set(ids)
        )
        people = list(people.select_related("household__village").order_by("sort_key", "id"))
        missing = set(ids) - {p.pk for p in people}
        if missing:
            raise ValidationFailed(
                errors={
                    "selection.ids": [
                        _("%(n)d of these ids are not people in your areas.") % {"n": len(missing)}
                    ]
                }
            )
        return people
    search = selection["search"]
    if not isinstance(search, dict):
        raise ValidationFailed(
            errors={"selection.search": [_("Must be an object of search filters.")]}
        )
    filters = clean_filters({k: str(v) for k, v in search.items() if v is not None}, user=user)
    if not filters:
        raise ValidationFailed(errors={"selection.search": [_("Give at least one search filter.")]})
    people = list(people_search(user=user, filters=filters)[: BULK_MAX + 1])
    if len(people) > BULK_MAX:
        count = people_search(user=user, filters=filters).count()
        raise ValidationFailed(errors={"selection": [_too_many(count)]})
    return people


def _too_many(count: int) -> str:
    return _("At most %(max)d people at once; this selection has %(n)d. Narrow the search.") % {
        "max": BULK_MAX,
        "n": count,
    }


def _check_change(change: dict) -> dict:
    if not isinstance(change, dict) or not isinstance(change.get("set"), dict) or not change["set"]:
        raise ValidationFailed(
            errors={"change.set": [_('Give the fields to set, e.g. {"enrollment.school": "…"}.')]}
        )
    errors = {
        f"change.set.{k}": [_("This field cannot be changed in bulk.")]
        for k in change["set"]
        if k not in BULK_FIELDS
    }
    if errors:
        raise ValidationFailed(errors=errors)
    return change["set"]


def _new_values(current: dict, setting: dict, round_year: int) -> tuple[dict, dict]:
    """(data, errors) for one person: the top-level fields the setting changes."""
    data: dict = {}
    errors: dict = {}
    for key, value in setting.items():
        if key.startswith("enrollment."):
            part = key.split(".", 1)[1]
            enrollment = data.get("enrollment", current.get("enrollment"))
            if enrollment is None:
                if part != "level":
                    errors["enrollment"] = [_("Not enrolled this round: set the level first.")]
                    continue
                enrollment = {"round": round_year, "level": None, "grade": None, "school": ""}
            data["enrollment"] = {**enrollment, part: value}
        else:
            data[key] = value
    return {k: v for k, v in data.items() if current.get(k) != v}, errors


def bulk_preview(*, user, selection: dict, change: dict, round_year: int, reason: str = "") -> dict:
    """For each selected person: old → new, or why the row would fail. Writes nothing."""
    setting = _check_change(change)
    people = bulk_select(user=user, selection=selection)
    for person in people:
        if not user_can_manage(user=user, area=person.household.village):
            raise Forbidden(
                _(
                    "Only commune officers and supervisors correct the register; surveyors use the phone."
                )
            )
    enrollments = {
        e.resident_id: e
        for e in Enrollment.objects.filter(resident__in=[p.pk for p in people], round_id=round_year)
    }
    signed = (
        set()
        if (reason or "").strip()
        else _signed_off(commune_ids={p.commune_id for p in people}, round_year=round_year)
    )
    rows = []
    for person in people:
        current = resident_values(person, enrollment=enrollments.get(person.pk))
        data, errors = _new_values(current, setting, round_year)
        if not errors and data:
            found = Errors()
            member_clean(
                values={**current, **data},
                resident_id=person.pk,
                round_year=round_year,
                errors=found,
            )
            errors = found.as_dict()
        if person.commune_id in signed:
            errors = {**errors, **reason_required_error()}
        state = "invalid" if errors else ("ok" if data else "unchanged")
        rows.append(
            {
                "resident": person,
                "version": person.version,
                "state": state,
                "errors": errors,
                "data": data,
                "base": {k: current.get(k) for k in data},
                "changes": {k: [current.get(k), v] for k, v in data.items()},
            }
        )
    return {
        "rows": rows,
        "total": len(rows),
        "ok": sum(r["state"] == "ok" for r in rows),
        "invalid": sum(r["state"] == "invalid" for r in rows),
        "unchanged": sum(r["state"] == "unchanged" for r in rows),
        "needs_reason": bool(signed),
    }


def _run_bulk(
    *, user, bulk: BulkCorrection, planned: list[tuple[Correction, object]]
) -> BulkCorrection:
    """Insert the corrections, apply their operations as one batch, record the results."""
    Correction.objects.bulk_create([c for c, _op in planned])
    results = apply_ops(
        user=user, ops=[op for _c, op in planned], round_year=bulk.round_year, source=bulk.source
    )
    applied = _applied_fields([c.op_id for c, _op in planned])
    for (correction, _op), result in zip(planned, results, strict=True):
        _finish(correction, result, applied.get(correction.op_id, {}))
        if correction.status == CorrectionStatus.REJECTED:
            bulk.report.append(
                {
                    "resident": str(correction.entity_id),
                    "status": "rejected",
                    "errors": correction.errors,
                }
            )
        elif correction.status == CorrectionStatus.CONFLICT:
            bulk.report.append(
                {
                    "resident": str(correction.entity_id),
                    "status": "conflict",
                    "conflict": correction.conflict_id and str(correction.conflict_id),
                }
            )
    Correction.objects.bulk_update(
        [c for c, _op in planned],
        ["status", "errors", "applied", "version_after", "conflict_id"],
        batch_size=500,
    )
    bulk.applied = sum(c.status == CorrectionStatus.APPLIED for c, _op in planned)
    bulk.conflicts = sum(c.status == CorrectionStatus.CONFLICT for c, _op in planned)
    bulk.skipped = bulk.total - bulk.applied - bulk.conflicts
    bulk.save(update_fields=["applied", "conflicts", "skipped", "report"])
    return bulk


@transaction.atomic
def bulk_apply(
    *, user, selection: dict, change: dict, round_year: int, reason: str = ""
) -> BulkCorrection:
    """Apply a bulk correction as one audited operation; rows that fail validation are skipped and reported."""
    reason = (reason or "").strip()[:500]
    preview = bulk_preview(
        user=user, selection=selection, change=change, round_year=round_year, reason=reason
    )
    if not preview["ok"]:
        raise ValidationFailed(
            _("No row of this selection can be changed."),
            errors={"selection": [_("No row of this selection can be changed.")]},
        )
    bulk = BulkCorrection.objects.create(
        user=user,
        round_year=round_year,
        selection=selection,
        change=change,
        reason=reason,
        total=preview["total"],
        report=[
            {"resident": str(r["resident"].pk), "status": r["state"], "errors": r["errors"]}
            for r in preview["rows"]
            if r["state"] != "ok"
        ],
    )
    planned = []
    for row in preview["rows"]:
        if row["state"] != "ok":
            continue
        person = row["resident"]
        correction = Correction(
            user=user,
            entity="resident",
            entity_id=person.pk,
            household_id=person.household_id,
            commune_id=person.commune_id,
            round_year=round_year,
            base_version=person.version,
            base=row["base"],
            changes=row["data"],
            reason=reason,
            bulk=bulk,
            op_id=uuid.uuid4(),
        )
        planned.append(
            (
                correction,
                make_op(
                    op_id=correction.op_id,
                    entity="resident",
                    entity_id=person.pk,
                    base_version=person.version,
                    base=row["base"],
                    data=row["data"],
                    reason=reason,
                ),
            )
        )
    return _run_bulk(user=user, bulk=bulk, planned=planned)


@transaction.atomic
def bulk_undo(*, user, bulk: BulkCorrection, reason: str = "") -> BulkCorrection:
    """Put back the old values where nothing changed since; report the others as skipped."""
    bulk = BulkCorrection.objects.select_for_update().get(pk=bulk.pk)
    if BulkCorrection.objects.filter(undo_of=bulk).exists():
        raise ValidationFailed(errors={"bulk": [_("This bulk correction was already undone.")]})
    originals = list(
        bulk.corrections.filter(status=CorrectionStatus.APPLIED, undone_by__isnull=True).order_by(
            "pk"
        )
    )
    if not originals:
        raise ValidationFailed(
            errors={"bulk": [_("Nothing of this bulk correction can be undone.")]}
        )
    reason = (reason or bulk.reason or "").strip()[:500]
    people = {
        p.pk: p
        for p in Resident.objects.filter(
            pk__in=[c.entity_id for c in originals], deleted_at__isnull=True
        ).select_related("household__village")
    }
    for person in people.values():
        if not user_can_manage(user=user, area=person.household.village):
            raise Forbidden(
                _(
                    "Only commune officers and supervisors correct the register; surveyors use the phone."
                )
            )
    enrollments = {
        e.resident_id: e
        for e in Enrollment.objects.filter(resident__in=list(people), round_id=bulk.round_year)
    }
    if not reason and _signed_off(
        commune_ids={p.commune_id for p in people.values()}, round_year=bulk.round_year
    ):
        raise ValidationFailed(errors=reason_required_error())
    undo = BulkCorrection.objects.create(
        user=user,
        round_year=bulk.round_year,
        selection=bulk.selection,
        change={"undo": bulk.pk},
        reason=reason,
        total=len(originals),
        undo_of=bulk,
    )
    planned = []
    for original in originals:
        person = people.get(original.entity_id)
        if person is None:
            undo.report.append(
                {
                    "resident": str(original.entity_id),
                    "status": "skipped",
                    "errors": {"resident": [_("This person was deleted since.")]},
                }
            )
            continue
        current = resident_values(person, enrollment=enrollments.get(person.pk))
        base, changes, errors = _undo_plan(original, current=current)
        if errors or not changes:
            undo.report.append({"resident": str(person.pk), "status": "skipped", "errors": errors})
            continue
        correction = Correction(
            user=user,
            entity="resident",
            entity_id=person.pk,
            household_id=person.household_id,
            commune_id=person.commune_id,
            round_year=bulk.round_year,
            base_version=original.version_after or person.version,
            base=base,
            changes=changes,
            reason=reason,
            bulk=undo,
            undo_of=original,
            op_id=uuid.uuid4(),
        )
        planned.append(
            (
                correction,
                make_op(
                    op_id=correction.op_id,
                    entity="resident",
                    entity_id=person.pk,
                    base_version=correction.base_version,
                    base=base,
                    data=changes,
                    reason=reason,
                ),
            )
        )
    return _run_bulk(user=user, bulk=undo, planned=planned)


def conflicts_for(*, entity_ids) -> list[Conflict]:
    return list(Conflict.objects.filter(entity_id__in=list(entity_ids)).order_by("-created_at"))
