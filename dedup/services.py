"""Decisions on duplicate pairs: merge, different people, moved, undo — each audited.

Every write to a resident goes through ``surveys.services`` inside
``surveys.recording.recording``, so versions, the change feed (phones get the
merge on their next pull) and the ``Change`` history stay right. The ``source``
of those changes is ``dedup:<pair id>``.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import status

from dedup.models import Decision, DecisionKind, DuplicatePair, PairStatus
from server.errors import DomainError, ValidationFailed
from surveys.models import Change, Enrollment, Resident
from surveys.recording import Recorder, recording
from surveys.sequence import next_seq
from surveys.services import resident_delete, resident_update
from surveys.validation import validate_member
from surveys.wire import resident_to_wire

COUNTING = ("present", "moved_in")
# Wire fields a merge may take from either record (relation and household stay the survivor's).
MERGE_FIELDS = (
    "full_name", "sex", "birth_year", "birth_month", "birth_day", "ethnicity", "national_id", "guardian_name",
    "status", "status_year", "disability", "preschool_completed_year", "primary_completed_year",
    "lower_secondary_graduated_year", "upper_secondary_graduated_year", "highest_grade_completed",
    "literacy_stage", "dropped_out", "enrollment",
)  # fmt: skip
# Filled from the absorbed record when the survivor has nothing (a birth date travels as a whole).
FILL_GROUPS = (("birth_month", "birth_day"), ("national_id",), ("guardian_name",))
SIDES = ("left", "right")


class PairDecided(DomainError):
    status_code = status.HTTP_409_CONFLICT
    default_message = "This pair was already decided."


def resident_wire(resident: Resident, *, round_year: int) -> dict:
    enrollment = Enrollment.objects.filter(resident=resident, round_id=round_year).first()
    return {
        **resident_to_wire(resident, enrollment=enrollment),
        "household": str(resident.household_id),
    }


def _locked(pair: DuplicatePair) -> tuple[DuplicatePair, dict[str, Resident]]:
    pair = DuplicatePair.objects.select_for_update().get(pk=pair.pk)
    rows = (
        Resident.objects.select_for_update()
        .select_related("household")
        .filter(pk__in=[pair.left_id, pair.right_id])
    )
    by_id = {r.pk: r for r in rows}
    return pair, {"left": by_id[pair.left_id], "right": by_id[pair.right_id]}


def _snapshot(residents: dict[str, Resident], round_year: int) -> dict:
    return {
        side: {**resident_wire(r, round_year=round_year), "deleted": r.deleted_at is not None}
        for side, r in residents.items()
    }


def _require_open(pair: DuplicatePair, residents: dict[str, Resident]) -> None:
    if pair.status != PairStatus.OPEN:
        raise PairDecided(_("This pair was already decided."))
    if any(
        r.deleted_at is not None or r.household.deleted_at is not None for r in residents.values()
    ):
        raise PairDecided(_("One of the two records was deleted in the meantime."))


def _side(value, field: str) -> str:
    if value not in SIDES:
        raise ValidationFailed(errors={field: [_("Choose left or right.")]})
    return value


def suggested_survivor(left: Resident, right: Resident) -> str:
    """The record to keep by default: one that counts, then the fuller one, then the older one."""

    def rank(r: Resident) -> tuple:
        filled = sum(bool(x) for x in (r.birth_month, r.birth_day, r.national_id, r.guardian_name))
        return (r.status in COUNTING, filled, -r.created_at.timestamp())

    return "left" if rank(left) >= rank(right) else "right"


def merged_values(
    *, survivor: dict, absorbed: dict, choices: dict[str, str], sides: dict[str, dict]
) -> dict:
    """The survivor's wire values, blanks filled from the absorbed record, then the explicit choices."""
    values = dict(survivor)
    for group in FILL_GROUPS:
        if all(survivor.get(f) in (None, "") for f in group) and any(
            absorbed.get(f) not in (None, "") for f in group
        ):
            values.update({f: absorbed.get(f) for f in group})
    for field, side in choices.items():
        if field not in MERGE_FIELDS:
            raise ValidationFailed(
                errors={f"fields.{field}": [_("This field cannot be chosen in a merge.")]}
            )
        values[field] = sides[_side(side, f"fields.{field}")][field]
    return values


def _write(*, resident: Resident, values: dict, round_year: int, recorder: Recorder) -> None:
    """Validate wire values of a resident and write the fields that changed."""
    data = {k: v for k, v in values.items() if k not in ("household", "deleted", "version")}
    clean, errors = validate_member({**data, "id": str(resident.pk)}, round_year=round_year)
    if errors:
        raise ValidationFailed(errors=errors.as_dict())
    enrollment = Enrollment.objects.filter(resident=resident, round_id=round_year).first()
    resident_update(
        resident=resident,
        household=resident.household,
        member=clean,
        position=None,
        enrollment=enrollment,
        round_year=round_year,
        recorder=recorder,
    )


def _restore(*, resident: Resident, recorder: Recorder) -> None:
    """Bring a soft-deleted resident back (an undone merge); the feed carries it to the phones."""
    resident.deleted_at = None
    resident.version += 1
    resident.seq = next_seq()
    resident.save(update_fields=["deleted_at", "version", "seq", "updated_at"])
    recorder.log(
        household=resident.household,
        entity="resident",
        entity_id=resident.pk,
        action="update",
        version=resident.version,
        fields={"deleted": [True, False]},
        seq=resident.seq,
    )


def _close(
    pair: DuplicatePair, *, status_: str, user, survivor=None, absorbed=None, auto=False
) -> None:
    pair.status, pair.auto = status_, auto
    pair.survivor, pair.absorbed = survivor, absorbed
    pair.decided_at, pair.decided_by = (
        timezone.now(),
        user if getattr(user, "is_authenticated", False) else None,
    )
    pair.save(
        update_fields=[
            "status",
            "auto",
            "survivor",
            "absorbed",
            "decided_at",
            "decided_by",
            "updated_at",
        ]
    )
    _announce_decided(pair, user)


def _announce_decided(pair: DuplicatePair, user) -> None:
    """``duplicate.decided`` to the boards of the communes of both records and above, after commit."""
    from areas.models import Area
    from server.events import area_codes_up, publish_on_commit

    communes = list(
        Area.objects.filter(pk__in={pair.left.commune_id, pair.right.commune_id}).order_by("code")
    )
    codes = {code for commune in communes for code in area_codes_up(commune)}
    publish_on_commit(
        codes,
        {
            "type": "duplicate.decided",
            "pair": pair.pk,
            "status": pair.status,
            "auto": pair.auto,
            "communes": [c.code for c in communes],
            "round": pair.round,
            "user": getattr(pair.decided_by, "username", "") or "",
            "at": timezone.now().isoformat(),
        },
    )


def _decision(
    pair, *, kind, user, round_year, before, after, fields=None, note="", auto=False
) -> Decision:
    return Decision.objects.create(
        pair=pair,
        kind=kind,
        auto=auto,
        user=user if getattr(user, "is_authenticated", False) else None,
        round=round_year,
        note=note or "",
        fields=fields or {},
        before=before,
        after=after,
    )


@transaction.atomic
def pair_merge(
    *,
    pair: DuplicatePair,
    user,
    survivor: str,
    round_year: int,
    fields: dict | None = None,
    note: str = "",
    auto: bool = False,
) -> Decision:
    """Same person: the survivor takes the chosen values, the other record is soft-deleted."""
    pair, residents = _locked(pair)
    _require_open(pair, residents)
    keep = _side(survivor, "survivor")
    drop = "right" if keep == "left" else "left"
    before = _snapshot(residents, round_year)
    values = merged_values(
        survivor=before[keep], absorbed=before[drop], choices=fields or {}, sides=before
    )
    with recording(user=user, source=f"dedup:{pair.pk}", round_year=round_year) as recorder:
        _write(resident=residents[keep], values=values, round_year=round_year, recorder=recorder)
        resident_delete(
            resident=residents[drop], household=residents[drop].household, recorder=recorder
        )
        tombstone = recorder.changes[-1]
        tombstone.fields = {"merged_into": [None, str(residents[keep].pk)]}
        Change.objects.filter(pk=tombstone.pk).update(fields=tombstone.fields)
    _close(
        pair,
        status_=PairStatus.SAME,
        user=user,
        survivor=residents[keep],
        absorbed=residents[drop],
        auto=auto,
    )
    after = _snapshot(residents, round_year)
    choices = {"survivor": keep, **(fields or {})}
    return _decision(
        pair,
        kind=DecisionKind.SAME,
        user=user,
        round_year=round_year,
        before=before,
        after=after,
        fields=choices,
        note=note,
        auto=auto,
    )


@transaction.atomic
def pair_different(*, pair: DuplicatePair, user, round_year: int, note: str = "") -> Decision:
    """Two people: remembered, so the pair is never suggested again."""
    pair, residents = _locked(pair)
    _require_open(pair, residents)
    snapshot = _snapshot(residents, round_year)
    _close(pair, status_=PairStatus.DIFFERENT, user=user)
    return _decision(
        pair,
        kind=DecisionKind.DIFFERENT,
        user=user,
        round_year=round_year,
        before=snapshot,
        after=snapshot,
        note=note,
    )


@transaction.atomic
def pair_move(
    *,
    pair: DuplicatePair,
    user,
    moved_out: str,
    round_year: int,
    note: str = "",
    auto: bool = False,
) -> Decision:
    """Moved: link the record the person left (marked ``moved_out`` if it is not yet) to the one
    where they live now, which must count (present or moved in)."""
    pair, residents = _locked(pair)
    _require_open(pair, residents)
    origin_side = _side(moved_out, "moved_out")
    origin, destination = (
        residents[origin_side],
        residents["right" if origin_side == "left" else "left"],
    )
    if destination.status not in COUNTING:
        raise ValidationFailed(
            errors={"moved_out": [_("The other record must be present or moved in.")]}
        )
    if origin.status == "deceased":
        raise ValidationFailed(errors={"moved_out": [_("A deceased person cannot have moved.")]})
    before = _snapshot(residents, round_year)
    if origin.status != "moved_out":
        values = {
            **before[origin_side],
            "status": "moved_out",
            "status_year": round_year,
            "enrollment": None,
        }
        with recording(user=user, source=f"dedup:{pair.pk}", round_year=round_year) as recorder:
            _write(resident=origin, values=values, round_year=round_year, recorder=recorder)
    _close(
        pair, status_=PairStatus.MOVED, user=user, survivor=destination, absorbed=origin, auto=auto
    )
    return _decision(
        pair,
        kind=DecisionKind.MOVED,
        user=user,
        round_year=round_year,
        before=before,
        after=_snapshot(residents, round_year),
        fields={"moved_out": origin_side},
        note=note,
        auto=auto,
    )


def _revert_fields(
    *, resident: Resident, side: str, decision: Decision, round_year: int, recorder: Recorder
) -> list[str]:
    """Put back the fields the decision changed, unless someone changed them since; returns those kept."""
    before, after = decision.before[side], decision.after[side]
    current = resident_wire(resident, round_year=round_year)
    values, kept = dict(current), []
    for field in MERGE_FIELDS:
        if before.get(field) == after.get(field):
            continue
        if current.get(field) == after.get(field):
            values[field] = before.get(field)
        else:
            kept.append(field)
    if values != current:
        _write(resident=resident, values=values, round_year=round_year, recorder=recorder)
    return kept


@transaction.atomic
def pair_undo(*, pair: DuplicatePair, user, round_year: int, note: str = "") -> Decision:
    """Undo the pair's decision: a merge brings the absorbed record back and restores the
    survivor's values; a move restores the moved-out record. The pair goes back to the queue
    and is never linked automatically again."""
    pair, residents = _locked(pair)
    if pair.status == PairStatus.OPEN:
        raise PairDecided(_("This pair has no decision to undo."))
    last = (
        pair.decisions.exclude(kind=DecisionKind.UNDO)
        .filter(undone=False)
        .order_by("-at", "-pk")
        .first()
    )
    before, kept = _snapshot(residents, round_year), []
    with recording(user=user, source=f"dedup:{pair.pk}", round_year=round_year) as recorder:
        if pair.status == PairStatus.SAME:
            absorbed = residents["left" if pair.absorbed_id == pair.left_id else "right"]
            if absorbed.household.deleted_at is not None:
                raise ValidationFailed(
                    errors={
                        "non_field_errors": [_("The household of the merged record was deleted.")]
                    }
                )
            if absorbed.deleted_at is not None:
                _restore(resident=absorbed, recorder=recorder)
        for side, resident in residents.items():
            if (
                last is not None
                and resident.deleted_at is None
                and pair.status in (PairStatus.SAME, PairStatus.MOVED)
            ):
                kept += _revert_fields(
                    resident=resident,
                    side=side,
                    decision=last,
                    round_year=round_year,
                    recorder=recorder,
                )
    if last is not None:
        Decision.objects.filter(pk=last.pk).update(undone=True)
    pair.status, pair.auto, pair.no_auto = PairStatus.OPEN, False, True
    pair.survivor = pair.absorbed = pair.decided_at = pair.decided_by = None
    pair.save(
        update_fields=[
            "status",
            "auto",
            "no_auto",
            "survivor",
            "absorbed",
            "decided_at",
            "decided_by",
            "updated_at",
        ]
    )
    _announce_decided(pair, user)  # back in the queue: status "open"
    return _decision(
        pair,
        kind=DecisionKind.UNDO,
        user=user,
        round_year=round_year,
        before=before,
        after=_snapshot(residents, round_year),
        fields={"kept": kept},
        note=note,
    )


def pair_auto_link(*, pair: DuplicatePair, round_year: int) -> Decision | None:
    """An exact national-ID match (see ``dedup.matching.national_id_link``): link without review.
    A moved-out record and one that counts become a move; two records that count are merged
    (the suggested survivor, blanks filled). Anything else stays in the queue."""
    if pair.status != PairStatus.OPEN or pair.no_auto:
        return None
    left, right = pair.left, pair.right
    statuses = {left.status, right.status}
    if "deceased" in statuses:
        return None
    if "moved_out" in statuses and statuses & set(COUNTING):
        side = "left" if left.status == "moved_out" else "right"
        return pair_move(pair=pair, user=None, moved_out=side, round_year=round_year, auto=True)
    try:
        return pair_merge(
            pair=pair,
            user=None,
            survivor=suggested_survivor(left, right),
            round_year=round_year,
            auto=True,
        )
    except ValidationFailed:  # values that no longer validate: a person decides
        return None


def pair_decide(
    *,
    pair: DuplicatePair,
    user,
    decision: str,
    round_year: int,
    survivor: str | None = None,
    fields: dict | None = None,
    moved_out: str | None = None,
    note: str = "",
) -> Decision:
    """One entry point for the API and the page: ``same`` / ``different`` / ``moved``."""
    if decision == "same":
        if survivor is None:
            raise ValidationFailed(errors={"survivor": [_("Choose the record that stays.")]})
        return pair_merge(
            pair=pair, user=user, survivor=survivor, fields=fields, round_year=round_year, note=note
        )
    if decision == "moved":
        if moved_out is None:
            raise ValidationFailed(
                errors={"moved_out": [_("Choose the record the person moved out of.")]}
            )
        return pair_move(
            pair=pair, user=user, moved_out=moved_out, round_year=round_year, note=note
        )
    if decision == "different":
        return pair_different(pair=pair, user=user, round_year=round_year, note=note)
    raise ValidationFailed(errors={"decision": [_("Unknown decision.")]})
