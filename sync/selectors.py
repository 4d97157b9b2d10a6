"""Reads for the sync protocol: the change feed (pull) and conflicts, scoped to the caller."""

from django.db.models import Prefetch
from django.utils import timezone

from areas.access import scope_q
from areas.models import Area, AreaKind
from surveys.models import Change, Enrollment, Household, Resident, Visit
from surveys.sequence import safe_watermark
from surveys.wire import household_record, resident_record
from sync.models import Conflict, Device


def villages_in_scope(*, user) -> dict[int, str]:
    return dict(
        Area.objects.filter(
            scope_q(user=user, path_field="path"), kind=AreaKind.VILLAGE
        ).values_list("id", "code")
    )


def _households(
    *, user, cursor: int, watermark: int, limit: int, round_year: int
) -> list[Household]:
    queryset = Household.objects.filter(
        scope_q(user=user, path_field="village__path"), seq__gt=cursor, seq__lte=watermark
    )
    visits = Prefetch(
        "visits", queryset=Visit.objects.filter(round_id=round_year), to_attr="round_visits"
    )
    return list(queryset.select_related("village").prefetch_related(visits).order_by("seq")[:limit])


def _residents(*, user, cursor: int, watermark: int, limit: int, round_year: int) -> list[Resident]:
    queryset = Resident.objects.filter(
        scope_q(user=user, path_field="household__village__path"),
        seq__gt=cursor,
        seq__lte=watermark,
    )
    enrollments = Prefetch(
        "enrollments",
        queryset=Enrollment.objects.filter(round_id=round_year),
        to_attr="round_enrollments",
    )
    return list(queryset.prefetch_related(enrollments).order_by("seq")[:limit])


def _entry(record, *, round_year: int) -> dict:
    if isinstance(record, Household):
        data, entity = household_record(record, round_year=round_year), "household"
    else:
        data, entity = resident_record(record, round_year=round_year), "resident"
    return {
        "seq": record.seq,
        "entity": entity,
        "id": str(record.pk),
        "deleted": data["deleted"],
        "version": record.version,
        "data": data,
    }


def _scope_tombstones(*, village_ids: set[int]) -> list[dict]:
    households = Household.objects.filter(village_id__in=village_ids).values_list("id", flat=True)
    return [
        {"entity": "household", "id": str(pk), "deleted": True, "reason": "scope"}
        for pk in households
    ]


def _departures(*, user, villages: dict[int, str], after: int, upto: int) -> list[dict]:
    """Households moved out of the caller's villages, residents moved to households outside them."""
    codes = set(villages.values())
    tombstones = []
    moves = Change.objects.filter(
        seq__gt=after, seq__lte=upto, entity__in=["household", "resident"]
    )
    for change in (
        moves.filter(fields__has_key="village")
        .filter(entity="household")
        .values("entity_id", "fields")
    ):
        old, new = change["fields"]["village"]
        if old in codes and new not in codes:
            tombstones.append(
                {
                    "entity": "household",
                    "id": str(change["entity_id"]),
                    "deleted": True,
                    "reason": "scope",
                }
            )
    resident_moves = [
        (change["entity_id"], change["fields"]["household"][1])
        for change in moves.filter(fields__has_key="household")
        .filter(entity="resident")
        .values("entity_id", "fields")
    ]
    if resident_moves:
        visible = {
            str(pk)
            for pk in Household.objects.filter(
                scope_q(user=user, path_field="village__path"),
                pk__in={new for _id, new in resident_moves},
            ).values_list("pk", flat=True)
        }
        tombstones += [
            {"entity": "resident", "id": str(resident_id), "deleted": True, "reason": "scope"}
            for resident_id, new_household in resident_moves
            if new_household not in visible
        ]
    return tombstones


def pull(*, user, device: Device | None, cursor: int, limit: int, round_year: int) -> dict:
    """The changes in the caller's villages after ``cursor``, oldest first, with tombstones.

    The reply lists the caller's villages: a client drops what lies outside them.
    When villages were added since this device's last pull the feed restarts from
    0 (``reset``); villages taken away come as household tombstones.
    """
    watermark = safe_watermark()
    villages = villages_in_scope(user=user)
    tombstones, reset = [], False
    if device is not None:
        before = set(device.villages) if device.villages is not None else None
        if before is not None and set(villages) - before:
            reset, cursor = True, 0
        if before is not None and before - set(villages):
            tombstones = _scope_tombstones(village_ids=before - set(villages))
        device.villages = sorted(villages)
        device.last_pull_at = timezone.now()
    households = _households(
        user=user, cursor=cursor, watermark=watermark, limit=limit, round_year=round_year
    )
    residents = _residents(
        user=user, cursor=cursor, watermark=watermark, limit=limit, round_year=round_year
    )
    records = sorted([*households, *residents], key=lambda record: record.seq)
    page = records[:limit]
    more = len(records) > limit or len(households) == limit or len(residents) == limit
    next_cursor = page[-1].seq if more and page else max(cursor, watermark)
    tombstones += _departures(user=user, villages=villages, after=cursor, upto=next_cursor)
    if device is not None:
        device.last_cursor = next_cursor
        device.save(update_fields=["villages", "last_pull_at", "last_cursor"])
    return {
        "changes": tombstones + [_entry(record, round_year=round_year) for record in page],
        "cursor": next_cursor,
        "more": more,
        "reset": reset,
        "round": round_year,
        "villages": sorted(villages.values()),
    }


def conflicts_visible(*, user):
    return Conflict.objects.filter(scope_q(user=user, path_field="village__path"))
