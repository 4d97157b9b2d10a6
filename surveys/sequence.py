"""The global, monotonically increasing change sequence.

PostgreSQL: a real sequence (``surveys_change_seq``, made by migration 0002).
SQLite: one counter row, incremented inside the writing transaction (SQLite
serialises writers, so the values are unique and increasing).
"""

from django.db import connection

PG_SEQUENCE = "surveys_change_seq"


def next_seqs(count: int = 1) -> list[int]:
    if count <= 0:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SELECT nextval('{PG_SEQUENCE}') FROM generate_series(1, %s)", [count])  # noqa: S608
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "INSERT INTO surveys_seqcounter (name, value) VALUES ('change', %s) "
            "ON CONFLICT(name) DO UPDATE SET value = value + excluded.value RETURNING value",
            [count],
        )
        last = cursor.fetchone()[0]
        return list(range(last - count + 1, last + 1))


def next_seq() -> int:
    return next_seqs(1)[0]


def current_seq() -> int:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SELECT last_value, is_called FROM {PG_SEQUENCE}")  # noqa: S608
            last, called = cursor.fetchone()
            return last if called else 0
        cursor.execute("SELECT value FROM surveys_seqcounter WHERE name = 'change'")
        row = cursor.fetchone()
        return row[0] if row else 0
