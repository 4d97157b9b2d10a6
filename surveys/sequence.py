"""The global, monotonically increasing change sequence, and its safe watermark.

PostgreSQL: a real sequence (``surveys_change_seq``, made by migration 0002).
Sequence values are taken before commit, so two transactions may commit out of
order; a reader of the feed must not move its cursor past a value whose
transaction is still running. Every writer therefore holds a *shared* advisory
lock from the moment it takes a value until it commits, and
``safe_watermark()`` takes the same lock *exclusively* for an instant: once it
has it, every value up to the sequence's current value is committed.

SQLite: one counter row, incremented inside the writing transaction. SQLite
serialises writers and the counter is invisible until commit, so the committed
counter is the watermark.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction

PG_SEQUENCE = "surveys_change_seq"
FEED_LOCK = 0x5C4A_0001  # advisory lock key: writers shared, watermark readers exclusive


def next_seqs(count: int = 1) -> list[int]:
    """``count`` new sequence values; call inside the writing transaction."""
    if count <= 0:
        return []
    assert connection.in_atomic_block, (
        "sequence values must be taken inside the writing transaction"
    )
    pool = getattr(connection, "_pcgd_seq_pool", None)
    if pool is not None:
        if len(pool.values) < count:
            pool.values.extend(sorted(_take(max(count - len(pool.values), pool.block))))
            pool.block = TOP_UP
        taken = pool.values[:count]
        del pool.values[:count]
        return taken
    return _take(count)


class _Pool:
    def __init__(self, block: int) -> None:
        self.values: list[int] = []
        self.block = block


TOP_UP = 16


@contextmanager
def reserved_seqs(block: int) -> Iterator[None]:
    """Within one writing transaction, take sequence values ``block`` at a time (PostgreSQL).

    One ``nextval`` round trip then serves many writes (a pushed batch: about one
    value per operation). Values stay increasing in the order they are handed out;
    those left over when the block ends are never used (a gap, like a rolled back
    write). The shared feed lock is taken with the first block, as with the first
    single value, and held to commit, so ``safe_watermark`` keeps its guarantee. Use
    it inside the transaction and leave it before the transaction ends: a value
    reserved by one transaction must never be used by another. SQLite keeps taking
    values one by one (its counter rolls back with a savepoint).
    """
    assert connection.in_atomic_block, "reserve sequence values inside the writing transaction"
    if connection.vendor != "postgresql" or getattr(connection, "_pcgd_seq_pool", None) is not None:
        yield
        return
    connection._pcgd_seq_pool = _Pool(max(1, block))
    try:
        yield
    finally:
        del connection._pcgd_seq_pool


def _take(count: int) -> list[int]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [FEED_LOCK])
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
    """The last value handed out (on PostgreSQL possibly not yet committed)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SELECT last_value, is_called FROM {PG_SEQUENCE}")  # noqa: S608
            last, called = cursor.fetchone()
            return last if called else 0
        cursor.execute("SELECT value FROM surveys_seqcounter WHERE name = 'change'")
        row = cursor.fetchone()
        return row[0] if row else 0


def safe_watermark() -> int:
    """The highest value below which every change is committed and visible."""
    if connection.vendor != "postgresql":
        return current_seq()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [FEED_LOCK])
        return current_seq()
