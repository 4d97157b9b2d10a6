"""The board counters (``boards.models.Counter``): recounted per village, added up the tree.

``villages_recount`` is what the write path runs after each commit that touched
households or visits (``boards.listeners``): for each village touched it locks the
village (``SELECT … FOR UPDATE`` on its area row), recounts its households and
visits of the round (two grouped queries over a few hundred rows, never the
residents), stores the village's values and adds the differences to every
ancestor with ``value = value + delta``. Recounting under the lock makes it
idempotent and right under concurrent pushes (PostgreSQL, READ COMMITTED: the
count runs after the lock, so it sees every commit before it). ``rebuild``
recomputes everything from scratch (``manage.py boards_rebuild``).
"""

from collections import defaultdict

from django.db import connection, transaction
from django.db.models import Count

from areas.models import Area
from boards.models import Counter
from surveys.models import Household, Visit

EXPECTED = "expected"
VISITED = "visited"


def day_key(day) -> str:
    return f"day:{day.isoformat()}"


def user_key(user_id: int) -> str:
    return f"user:{user_id}"


def _ancestor_ids(path: str) -> list[int]:
    """The ids above an area, from its path ``/1/4/17/`` (17 itself excluded)."""
    return [int(part) for part in path.strip("/").split("/")[:-1] if part]


def _counted(village_ids: list[int], round_year: int) -> dict[int, dict[str, int]]:
    """Each village's values counted from the register (households and visits, not residents)."""
    values: dict[int, dict[str, int]] = {vid: {EXPECTED: 0, VISITED: 0} for vid in village_ids}
    live = Household.objects.filter(village_id__in=village_ids, deleted_at__isnull=True)
    for row in live.values("village_id").annotate(n=Count("id")).order_by():
        values[row["village_id"]][EXPECTED] = row["n"]
    visits = Visit.objects.filter(
        round_id=round_year,
        household__village_id__in=village_ids,
        household__deleted_at__isnull=True,
    )
    grouped = (
        visits.values("household__village_id", "date", "surveyor_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in grouped:
        mine = values[row["household__village_id"]]
        mine[VISITED] += row["n"]
        key = day_key(row["date"])
        mine[key] = mine.get(key, 0) + row["n"]
        if row["surveyor_id"] is not None:
            key = user_key(row["surveyor_id"])
            mine[key] = mine.get(key, 0) + row["n"]
    return values


def _upsert(rows: list[tuple[int, int, str, int]], *, add: bool) -> None:
    """Insert (area, round, key, value) rows; on a clash add the value (``add``) or replace it."""
    if not rows:
        return
    table = Counter._meta.db_table
    setter = f"{table}.value + EXCLUDED.value" if add else "EXCLUDED.value"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 500):
            chunk = rows[start : start + 500]
            placeholders = ", ".join(["(%s, %s, %s, %s)"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} (area_id, round, key, value) VALUES {placeholders} "  # noqa: S608 (no user input)
                f"ON CONFLICT (area_id, round, key) DO UPDATE SET value = {setter}",
                [value for row in chunk for value in row],
            )


def villages_recount(*, village_ids, round_year: int) -> dict:
    """Recount these villages and carry the differences up; returns what changed.

    ``{"areas": {area id: {key: delta}}, "villages": [ids]}`` (deltas only where non-zero,
    ancestors included), for the progress event.
    """
    village_ids = sorted(set(village_ids))
    if not village_ids:
        return {"areas": {}, "villages": []}
    with transaction.atomic():
        villages = list(
            Area.objects.select_for_update()
            .filter(pk__in=village_ids)
            .order_by("pk")
            .only("pk", "path")
        )
        village_ids = [v.pk for v in villages]
        new = _counted(village_ids, round_year)
        old: dict[int, dict[str, int]] = defaultdict(dict)
        for area_id, key, value in Counter.objects.filter(
            area_id__in=village_ids, round=round_year
        ).values_list("area_id", "key", "value"):
            old[area_id][key] = value
        deltas: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        own_rows = []
        for village in villages:
            before, after = old.get(village.pk, {}), new[village.pk]
            for key in sorted(set(before) | set(after)):
                delta = after.get(key, 0) - before.get(key, 0)
                if delta:
                    own_rows.append((village.pk, round_year, key, after.get(key, 0)))
                    for area_id in [village.pk, *_ancestor_ids(village.path)]:
                        deltas[area_id][key] += delta
        _upsert(own_rows, add=False)
        village_set = set(village_ids)
        up = sorted(
            (area_id, round_year, key, delta)
            for area_id, keys in deltas.items()
            if area_id not in village_set
            for key, delta in keys.items()
            if delta
        )
        _upsert(up, add=True)
    return {"areas": {a: dict(k) for a, k in deltas.items()}, "villages": village_ids}


def rebuild(*, round_year: int) -> int:
    """Recompute every counter of the round from the register; returns the rows written."""
    villages = {a.pk: a.path for a in Area.objects.filter(kind="village").only("pk", "path")}
    totals: dict[tuple[int, str], int] = defaultdict(int)

    def add(village_id: int, key: str, n: int) -> None:
        path = villages.get(village_id)
        if path is None:
            return
        for area_id in [village_id, *_ancestor_ids(path)]:
            totals[area_id, key] += n

    live = (
        Household.objects.filter(deleted_at__isnull=True)
        .values("village_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in live.iterator():
        add(row["village_id"], EXPECTED, row["n"])
    visits = Visit.objects.filter(round_id=round_year, household__deleted_at__isnull=True)
    grouped = (
        visits.values("household__village_id", "date", "surveyor_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in grouped.iterator():
        village_id = row["household__village_id"]
        add(village_id, VISITED, row["n"])
        add(village_id, day_key(row["date"]), row["n"])
        if row["surveyor_id"] is not None:
            add(village_id, user_key(row["surveyor_id"]), row["n"])
    with transaction.atomic():
        Counter.objects.filter(round=round_year).delete()
        Counter.objects.bulk_create(
            [
                Counter(area_id=a, round=round_year, key=k, value=v)
                for (a, k), v in totals.items()
                if v
            ],
            batch_size=5000,
        )
    return sum(1 for v in totals.values() if v)


def values_of(*, area_ids, round_year: int, keys=None) -> dict[int, dict[str, int]]:
    """Stored counters of these areas (all keys, or only ``keys``)."""
    rows = Counter.objects.filter(area_id__in=list(area_ids), round=round_year)
    if keys is not None:
        rows = rows.filter(key__in=list(keys))
    out: dict[int, dict[str, int]] = defaultdict(dict)
    for area_id, key, value in rows.values_list("area_id", "key", "value"):
        out[area_id][key] = value
    return out
