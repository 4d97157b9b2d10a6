"""Conflicts: opened when both sides changed the same thing, decided per field by a person."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from server.errors import ValidationFailed
from surveys.models import Change, Household, Resident
from surveys.recording import recording
from surveys.services import household_delete, resident_delete
from sync.apply import household_apply, household_fields, resident_apply, resident_fields, restore
from sync.models import Conflict, ConflictKind


def _who_changed(*, entity_id, names) -> dict:
    """For each field, who changed it last on the server and when."""
    found: dict[str, dict] = {}
    changes = (
        Change.objects.filter(entity_id=entity_id)
        .exclude(entity="visit")
        .select_related("user")
        .order_by("-seq")
    )
    for change in changes[:200]:
        for name in names:
            if name not in found and (name in change.fields or change.action == "delete"):
                found[name] = {
                    "theirs_by": change.user.username if change.user else change.source,
                    "theirs_at": change.at.isoformat(),
                }
        if len(found) == len(names):
            break
    return found


def conflict_open(
    *, op, ctx, kind: str, household: Household, fields: dict | None = None
) -> Conflict:
    fields = fields or {}
    names = list(fields) or ["deleted"]
    who = _who_changed(entity_id=op.entity_id, names=names)
    detailed = {name: {**value, **who.get(name, {})} for name, value in fields.items()}
    if not fields:
        detailed = {
            "deleted": {
                "mine": kind == ConflictKind.DELETE_VS_EDIT,
                "theirs": kind == ConflictKind.EDIT_VS_DELETE,
                **who.get("deleted", {}),
            }
        }
    conflict = Conflict.objects.create(
        entity=op.entity,
        entity_id=op.entity_id,
        household_id=household.pk,
        commune_id=household.commune_id,
        village_id=household.village_id,
        round_year=ctx.round_year,
        kind=kind,
        fields=detailed,
        mine=op.data,
        op_id=op.op_id,
        device=ctx.device,
        user=ctx.user,
    )
    _announce(conflict, "conflict.opened", ctx.user)
    return conflict


def _announce(conflict: Conflict, kind: str, user) -> None:
    """``conflict.opened`` / ``conflict.closed`` to the boards of the commune and above, after commit."""
    from server.events import area_codes_up, publish_on_commit

    commune = conflict.commune
    publish_on_commit(
        area_codes_up(commune),
        {
            "type": kind,
            "conflict": str(conflict.pk),
            "commune": commune.code,
            "round": conflict.round_year,
            "household": str(conflict.household_id),
            "entity": conflict.entity,
            "kind": conflict.kind,
            "user": getattr(user, "username", "") or "",
            "at": timezone.now().isoformat(),
        },
    )


def _choice_errors(conflict: Conflict, body: dict) -> tuple[dict, dict]:
    """Read ``{"fields": {name: "mine" | "theirs" | {"value": v}}}`` or ``{"choice": "mine" | "theirs"}``."""
    errors: dict[str, list[str]] = {}
    if conflict.kind != ConflictKind.FIELDS:
        choice = body.get("choice") if isinstance(body, dict) else None
        if choice not in ("mine", "theirs"):
            errors["choice"] = [_("Choose mine or theirs.")]
        return {"choice": choice}, errors
    given = body.get("fields") if isinstance(body, dict) else None
    if not isinstance(given, dict):
        return {}, {"fields": [_('Give a decision for each field: mine, theirs or {"value": …}.')]}
    decisions = {}
    for name in conflict.fields:
        decision = given.get(name)
        if decision in ("mine", "theirs") or (
            isinstance(decision, dict) and set(decision) == {"value"}
        ):
            decisions[name] = decision
        else:
            errors[f"fields.{name}"] = [_('Choose mine, theirs or {"value": …}.')]
    for name in set(given) - set(conflict.fields):
        errors[f"fields.{name}"] = [_("This field is not in conflict.")]
    return decisions, errors


@transaction.atomic
def conflict_resolve(*, conflict: Conflict, body: dict, user) -> Conflict:
    """Decide a conflict; the chosen values are written like any other change."""
    conflict = Conflict.objects.select_for_update().get(pk=conflict.pk)
    if conflict.status != Conflict.Status.OPEN:
        raise ValidationFailed(errors={"status": [_("This conflict was already resolved.")]})
    decisions, errors = _choice_errors(conflict, body)
    if errors:
        raise ValidationFailed(errors=errors)
    reason = str(body.get("reason") or "") if isinstance(body, dict) else ""
    with recording(
        user=user, source=f"conflict:{conflict.pk}", round_year=conflict.round_year, reason=reason
    ) as recorder:
        if conflict.kind == ConflictKind.FIELDS:
            _resolve_fields(conflict, decisions, user, recorder)
        else:
            _resolve_delete(conflict, decisions["choice"], user, recorder)
    conflict.status = Conflict.Status.RESOLVED
    conflict.resolution = decisions
    conflict.resolved_by = user
    conflict.resolved_at = timezone.now()
    conflict.save(update_fields=["status", "resolution", "resolved_by", "resolved_at"])
    _announce(conflict, "conflict.closed", user)
    return conflict


def _chosen_values(conflict: Conflict, decisions: dict) -> dict:
    values = {}
    for name, decision in decisions.items():
        if decision == "mine":
            values[name] = conflict.fields[name]["mine"]
        elif isinstance(decision, dict):
            values[name] = decision["value"]
    return values


def _resolve_fields(conflict, decisions, user, recorder) -> None:
    values = _chosen_values(conflict, decisions)
    if conflict.entity == "household":
        household = (
            Household.objects.select_for_update()
            .select_related("village")
            .get(pk=conflict.entity_id)
        )
        if household.deleted_at is not None:
            raise ValidationFailed(errors={"entity_id": [_("The record was deleted meanwhile.")]})
        household_apply(
            household=household,
            household_id=household.pk,
            values={**household_fields(household), **values},
            user=user,
            round_year=conflict.round_year,
            recorder=recorder,
        )
        return
    resident = (
        Resident.objects.select_for_update().select_related("household").get(pk=conflict.entity_id)
    )
    if resident.deleted_at is not None:
        raise ValidationFailed(errors={"entity_id": [_("The record was deleted meanwhile.")]})
    current = resident_fields(resident, round_year=conflict.round_year)
    resident_apply(
        resident=resident,
        values={**current, **values},
        user=user,
        round_year=conflict.round_year,
        recorder=recorder,
    )


def _resolve_delete(conflict, choice: str, user, recorder) -> None:
    is_household = conflict.entity == "household"
    model = Household if is_household else Resident
    record = model.objects.select_for_update().get(pk=conflict.entity_id)
    household = record if is_household else Household.objects.get(pk=record.household_id)
    if conflict.kind == ConflictKind.DELETE_VS_EDIT:
        if choice == "mine" and record.deleted_at is None:
            if is_household:
                household_delete(household=record, recorder=recorder)
            else:
                resident_delete(resident=record, household=household, recorder=recorder)
        return
    if choice == "theirs" or record.deleted_at is None:
        return
    if not is_household and household.deleted_at is not None:
        raise ValidationFailed(errors={"choice": [_("Restore the household first.")]})
    restore(record=record, household=household, recorder=recorder)
    if is_household:
        record = Household.objects.select_related("village").get(pk=record.pk)
        household_apply(
            household=record,
            household_id=record.pk,
            values={**household_fields(record), **conflict.mine},
            user=user,
            round_year=conflict.round_year,
            recorder=recorder,
        )
    else:
        record.refresh_from_db()
        current = resident_fields(record, round_year=conflict.round_year)
        resident_apply(
            resident=record,
            values={**current, **conflict.mine},
            user=user,
            round_year=conflict.round_year,
            recorder=recorder,
        )
