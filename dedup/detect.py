"""Finding candidate pairs: per applied change (commune and neighbours) and per area (batch)."""

import csv
import time
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction

from areas.models import Area
from dedup.blocking import MAX_BLOCK, blocks, candidate_pairs, count_namesakes, keys
from dedup.matching import Match, Profile, compare, national_id_link
from dedup.models import DuplicatePair, MatchKey, PairStatus
from dedup.records import (
    keys_replace,
    live_residents,
    neighbour_communes,
    profiles_of,
    residents_in_area,
)
from dedup.services import pair_auto_link

MAX_CANDIDATES = 5000  # residents loaded per change at most
LINK_BATCH = 200
PAIR_COLUMNS = ("left_id", "right_id", "score", "status", "auto_link", "reasons", "left_name", "right_name",
                "birth_year", "left_commune_id", "right_commune_id")  # fmt: skip


def review_threshold() -> float:
    return float(settings.DEDUP_REVIEW_THRESHOLD)


def _ordered(a: Profile, b: Profile) -> tuple[Profile, Profile]:
    return (a, b) if a.id < b.id else (b, a)


def _existing(wanted: set[tuple[str, str]]) -> dict[tuple[str, str], DuplicatePair]:
    found = {}
    left_ids = sorted({a for a, _b in wanted})
    for start in range(0, len(left_ids), 2000):
        for pair in DuplicatePair.objects.filter(left_id__in=left_ids[start : start + 2000]):
            key = (str(pair.left_id), str(pair.right_id))
            if key in wanted:
                found[key] = pair
    return found


def _announce_queued(*, left_ids: list, round_year: int) -> None:
    """``duplicate.queued`` (how many new pairs) to the boards of each commune concerned, after commit."""
    from django.db.models import Count

    from areas.models import Area
    from server.events import area_codes_up, publish_on_commit
    from surveys.models import Resident

    per_commune = dict(
        Resident.objects.filter(pk__in=left_ids)
        .values("commune_id")
        .annotate(n=Count("id"))
        .values_list("commune_id", "n")
    )
    for commune in Area.objects.filter(pk__in=list(per_commune)):
        publish_on_commit(
            area_codes_up(commune),
            {
                "type": "duplicate.queued",
                "commune": commune.code,
                "round": round_year,
                "pairs": per_commune[commune.pk],
            },
        )


def pairs_record(
    *, matches: list[tuple[Profile, Profile, Match]], round_year: int
) -> list[DuplicatePair]:
    """Queue new pairs, refresh the score of open ones; decided pairs stay as decided.
    Safe against a concurrent check recording the same pair (the unique constraint wins)."""
    ordered = [(*_ordered(a, b), m) for a, b, m in matches]
    wanted = {(a.id, b.id) for a, b, _m in ordered}
    existing = _existing(wanted)
    new, changed = {}, []
    for a, b, match in ordered:
        pair = existing.get((a.id, b.id))
        if pair is None:
            new[a.id, b.id] = DuplicatePair(
                left_id=a.id,
                right_id=b.id,
                score=match.score,
                reasons=match.reasons,
                round=round_year,
            )
        elif pair.status == PairStatus.OPEN and (
            pair.score != match.score or pair.reasons != match.reasons
        ):
            pair.score, pair.reasons = match.score, match.reasons
            changed.append(pair)
    if new:
        DuplicatePair.objects.bulk_create(new.values(), batch_size=2000, ignore_conflicts=True)
        existing.update(_existing(set(new)))
        _announce_queued(left_ids=[a for a, _b in new], round_year=round_year)
    DuplicatePair.objects.bulk_update(changed, ["score", "reasons"], batch_size=2000)
    return [existing[a.id, b.id] for a, b, _m in ordered]


def _auto_links(*, matches, pairs: list[DuplicatePair], round_year: int) -> int:
    """Link the exact national-ID matches, LINK_BATCH per transaction (each link in its own
    savepoint), so the after-commit listeners run once per batch rather than once per link."""
    todo = [pair.pk for (a, b, _m), pair in zip(matches, pairs, strict=True)
            if pair.status == PairStatus.OPEN and not pair.no_auto and national_id_link(a, b)]  # fmt: skip
    linked = 0
    for start in range(0, len(todo), LINK_BATCH):
        with transaction.atomic():
            for pair in DuplicatePair.objects.select_related("left", "right").filter(
                pk__in=todo[start : start + LINK_BATCH]
            ):
                linked += pair_auto_link(pair=pair, round_year=round_year) is not None
    return linked


def residents_check(*, resident_ids: Iterable, round_year: int) -> dict:
    """The per-change check: refresh the blocking keys of these residents and queue the pairs
    they form with residents of their commune and its neighbours (bounded index lookups)."""
    ids = sorted({str(i) for i in resident_ids})
    profiles = profiles_of(live_residents().filter(pk__in=ids))
    keys_replace(profiles=profiles, resident_ids=ids)
    if not profiles:
        return {"checked": 0, "queued": 0, "auto_linked": 0}
    communes = neighbour_communes({p.commune_id for p in profiles})
    wanted = sorted({key for p in profiles for key in keys(p)})
    hits = MatchKey.objects.filter(key__in=wanted, commune_id__in=communes).values_list(
        "resident_id", flat=True
    )
    hit_ids = {str(i) for i in hits[:MAX_CANDIDATES]} - set(ids)
    pool = {p.id: p for p in profiles_of(live_residents().filter(pk__in=sorted(hit_ids)))}
    pool.update({p.id: p for p in profiles})
    count_namesakes(pool.values())
    everyone = list(pool.values())
    changed = {p.id for p in profiles}
    matches, seen = [], set()
    for members in blocks(everyone).values():
        if len(members) > MAX_BLOCK:
            continue
        for i in members:
            if everyone[i].id not in changed:
                continue
            for j in members:
                a, b = _ordered(everyone[i], everyone[j])
                if i == j or (a.id, b.id) in seen:
                    continue
                seen.add((a.id, b.id))
                match = compare(a, b)
                if match is not None and match.score >= review_threshold():
                    matches.append((a, b, match))
    pairs = pairs_record(matches=matches, round_year=round_year)
    linked = _auto_links(matches=matches, pairs=pairs, round_year=round_year)
    return {
        "checked": len(profiles),
        "queued": sum(p.status == PairStatus.OPEN for p in pairs),
        "auto_linked": linked,
    }


def area_run(
    *, area: Area, round_year: int, pairs_path: str | None = None, link: bool = True
) -> dict:
    """The batch: every pair of residents of the area worth reviewing, queued; exact
    national-ID matches linked (unless ``link`` is off). Returns the summary."""
    started = time.perf_counter()
    profiles = profiles_of(residents_in_area(area))
    loaded = time.perf_counter()
    count_namesakes(profiles)
    threshold, compared, matches = review_threshold(), 0, []
    for i, j in candidate_pairs(profiles):
        compared += 1
        match = compare(profiles[i], profiles[j])
        if match is not None and match.score >= threshold:
            matches.append((*_ordered(profiles[i], profiles[j]), match))
    scored = time.perf_counter()
    if area.kind == "village":
        key_rows = keys_replace(profiles=profiles, resident_ids=[p.id for p in profiles])
    else:
        key_rows = keys_replace(profiles=profiles, communes={p.commune_id for p in profiles})
    pairs = pairs_record(matches=matches, round_year=round_year)
    linked = _auto_links(matches=matches, pairs=pairs, round_year=round_year) if link else 0
    statuses = _statuses(pairs)
    if pairs_path:
        _write_pairs(pairs_path, matches, pairs, statuses)
    return {
        "area": area.code, "round": round_year, "people": len(profiles), "compared": compared,
        "candidate_pairs": len(matches), "auto_linked": linked,
        "queued": sum(s == PairStatus.OPEN for s, _auto in statuses.values()),
        "decided": sum(s != PairStatus.OPEN for s, _auto in statuses.values()),
        "review_threshold": threshold, "index_keys": key_rows,
        "seconds": {"load": round(loaded - started, 2), "match": round(scored - loaded, 2),
                    "total": round(time.perf_counter() - started, 2)},
    }  # fmt: skip


def _statuses(pairs: list[DuplicatePair]) -> dict[int, tuple[str, bool]]:
    ids = [p.pk for p in pairs]
    found = {}
    for start in range(0, len(ids), 5000):
        rows = DuplicatePair.objects.filter(pk__in=ids[start : start + 5000]).values_list(
            "pk", "status", "auto"
        )
        found.update({pk: (status_, auto) for pk, status_, auto in rows})
    return found


def _write_pairs(path: str, matches, pairs: list[DuplicatePair], statuses: dict) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(PAIR_COLUMNS)
        for (a, b, match), pair in zip(matches, pairs, strict=True):
            status_, auto = statuses.get(pair.pk, (pair.status, False))
            writer.writerow([
                a.id, b.id, f"{match.score:.2f}", status_, int(auto), " ".join(match.reasons),
                a.full_name, b.full_name, a.year, a.commune_id, b.commune_id,
            ])  # fmt: skip
