"""Reading and writing the stored cells and figures (plain SQL where Django's row building costs too much)."""

from collections import Counter

from django.db import connection
from django.utils import timezone

from indicators import figures as fig
from indicators.cells import COUNTS, KEYS
from indicators.models import AreaCohort, AreaFigures
from indicators.rules import Rules

LEVEL_COLUMNS = {
    "mn5": "mn5_level",
    "primary": "primary_level",
    "literacy": "literacy_level",
    "lower_secondary": "lower_secondary_level",
}
Key = tuple[int, bool, bool, str]  # age, female, minority, disability


def lock(area_id: int, round_year: int) -> None:
    """Serialise the writes of one area's figures for a round (SQLite already serialises writers)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                [f"indicators:{area_id}:{round_year}"],
            )


def sort_memory() -> None:
    """Let the aggregation sort a commune's rows in memory (the default 4 MB spills to disk)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '32MB'")


def key_of(cell: dict) -> Key:
    return (cell["age"], bool(cell["female"]), bool(cell["minority"]), cell["disability"])


def cells_read(*, area_id: int, round_year: int) -> list[dict]:
    rows = AreaCohort.objects.filter(area_id=area_id, round_id=round_year).values_list(
        *KEYS, *COUNTS
    )
    return [dict(zip((*KEYS, *COUNTS), row, strict=True)) for row in rows]


def _table_and_columns() -> tuple[str, str]:
    quote = connection.ops.quote_name
    columns = ["area_id", "round_id", *KEYS, *COUNTS]
    return quote(AreaCohort._meta.db_table), ", ".join(quote(c) for c in columns)


def cells_replace(*, area_id: int, round_year: int, cells: list[dict]) -> None:
    """Replace an area's cells for the round."""
    AreaCohort.objects.filter(area_id=area_id, round_id=round_year).delete()
    if not cells:
        return
    table, columns = _table_and_columns()
    placeholders = ", ".join(["%s"] * (2 + len(KEYS) + len(COUNTS)))
    rows = [(area_id, round_year, *key_of(c), *(c[name] for name in COUNTS)) for c in cells]
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows)  # noqa: S608 (names are ours)


def cells_delta(old: list[dict], new: list[dict]) -> dict[Key, Counter]:
    """``new − old`` per cell key, without the keys that did not change."""
    delta: dict[Key, Counter] = {}
    for sign, cells in ((-1, old), (1, new)):
        for cell in cells:
            row = delta.setdefault(key_of(cell), Counter())
            for name in COUNTS:
                row[name] += sign * cell[name]
    return {key: row for key, row in delta.items() if any(row.values())}


def cells_add(*, area_id: int, round_year: int, delta: dict[Key, Counter]) -> None:
    """Add a delta to an area's cells (one upsert), dropping cells left empty."""
    if not delta:
        return
    table, columns = _table_and_columns()
    quote = connection.ops.quote_name
    placeholders = ", ".join(["%s"] * (2 + len(KEYS) + len(COUNTS)))
    updates = ", ".join(f"{quote(c)} = {table}.{quote(c)} + EXCLUDED.{quote(c)}" for c in COUNTS)
    conflict = ", ".join(quote(c) for c in ("area_id", "round_id", *KEYS))
    rows = [
        (area_id, round_year, *key, *(row[name] for name in COUNTS))
        for key, row in sorted(delta.items())
    ]
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) ON CONFLICT ({conflict}) DO UPDATE SET {updates}",  # noqa: S608
            rows,
        )
    AreaCohort.objects.filter(area_id=area_id, round_id=round_year, total=0).delete()


def merge_deltas(deltas: list[dict[Key, Counter]]) -> dict[Key, Counter]:
    merged: dict[Key, Counter] = {}
    for delta in deltas:
        for key, row in delta.items():
            merged.setdefault(key, Counter()).update(row)
    return {key: row for key, row in merged.items() if any(row.values())}


def figures_replace(*, docs: list[tuple[int, Rules, dict]], round_year: int) -> None:
    """Store the figures documents ``(area id, rules, doc)``, replacing the previous ones."""
    now = timezone.now()
    for rules_pk in {rules.pk for _a, rules, _d in docs}:
        area_ids = [area_id for area_id, rules, _d in docs if rules.pk == rules_pk]
        AreaFigures.objects.filter(
            area_id__in=area_ids, round_id=round_year, rules_id=rules_pk
        ).delete()
    AreaFigures.objects.bulk_create(
        [
            AreaFigures(
                area_id=area_id,
                round_id=round_year,
                rules_id=rules.pk,
                figures=doc,
                computed_at=now,
                **{LEVEL_COLUMNS[p]: level for p, level in fig.levels_of(doc["standards"]).items()},
            )
            for area_id, rules, doc in docs
        ]
    )


def levels_read(*, area_ids: list[int], round_year: int, rules: Rules) -> dict[int, dict[str, int]]:
    rows = AreaFigures.objects.filter(area_id__in=area_ids, round_id=round_year, rules_id=rules.pk)
    return {
        row["area_id"]: {p: row[column] for p, column in LEVEL_COLUMNS.items()}
        for row in rows.values("area_id", *LEVEL_COLUMNS.values())
    }
