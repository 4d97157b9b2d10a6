"""Reads of the review queue, always scoped (dedup.access): out of scope looks like missing."""

from django.db.models import QuerySet

from dedup.access import pair_scope_q
from dedup.models import DuplicatePair, PairStatus
from dedup.services import MERGE_FIELDS, resident_wire, suggested_survivor
from server.errors import NotFound

STATUSES = (*PairStatus.values, "all")


def pairs_visible(*, user) -> QuerySet[DuplicatePair]:
    return DuplicatePair.objects.filter(pair_scope_q(user=user))


def pair_list(
    *, user, status: str = PairStatus.OPEN, area_path: str = ""
) -> QuerySet[DuplicatePair]:
    """Pairs in the user's scope; open ones only while both records are live."""
    pairs = pairs_visible(user=user)
    if status != "all":
        pairs = pairs.filter(status=status)
    if status == PairStatus.OPEN:
        pairs = pairs.filter(left__deleted_at__isnull=True, right__deleted_at__isnull=True)
    if area_path:
        pairs = pairs.filter(left__commune__path__startswith=area_path) | pairs.filter(
            right__commune__path__startswith=area_path
        )
    related = (
        "left__commune",
        "right__commune",
        "left__household__village",
        "right__household__village",
    )
    return pairs.select_related(*related).order_by("-score", "pk")


def pair_get(*, user, pair_id: int) -> DuplicatePair:
    pair = (
        pairs_visible(user=user)
        .select_related(
            "left__commune",
            "right__commune",
            "left__household__village",
            "right__household__village",
        )
        .filter(pk=pair_id)
        .first()
    )
    if pair is None:
        raise NotFound()
    return pair


def _place(resident) -> dict:
    household = resident.household
    return {
        "household_number": household.number, "village": household.village.code,
        "village_name": household.village.name, "commune": resident.commune.code,
        "commune_name": resident.commune.name, "deleted": resident.deleted_at is not None,
    }  # fmt: skip


def pair_side_by_side(*, pair: DuplicatePair, round_year: int) -> dict:
    """Both records' wire fields, where they live, what differs, the score and its reasons,
    and the decisions taken so far."""
    left = {**resident_wire(pair.left, round_year=round_year), **_place(pair.left)}
    right = {**resident_wire(pair.right, round_year=round_year), **_place(pair.right)}
    return {
        "id": pair.pk, "status": pair.status, "score": pair.score, "reasons": pair.reasons, "auto": pair.auto,
        "round": pair.round, "left": left, "right": right,
        "differences": [f for f in ("relation", *MERGE_FIELDS) if left.get(f) != right.get(f)],
        "suggested_survivor": suggested_survivor(pair.left, pair.right),
        "survivor": str(pair.survivor_id) if pair.survivor_id else None,
        "absorbed": str(pair.absorbed_id) if pair.absorbed_id else None,
        "decisions": [decision_output(d) for d in pair.decisions.select_related("user")],
    }  # fmt: skip


def decision_output(decision) -> dict:
    return {
        "id": decision.pk, "kind": decision.kind, "auto": decision.auto, "undone": decision.undone,
        "user": decision.user.username if decision.user else None, "at": decision.at.isoformat(),
        "note": decision.note, "fields": decision.fields, "before": decision.before, "after": decision.after,
    }  # fmt: skip


def pair_summary(pair: DuplicatePair) -> dict:
    return {
        "id": pair.pk, "status": pair.status, "score": pair.score, "reasons": pair.reasons, "auto": pair.auto,
        "left": {"id": str(pair.left_id), "full_name": pair.left.full_name, "birth_year": pair.left.birth_year,
                 **_place(pair.left)},
        "right": {"id": str(pair.right_id), "full_name": pair.right.full_name, "birth_year": pair.right.birth_year,
                  **_place(pair.right)},
    }  # fmt: skip
