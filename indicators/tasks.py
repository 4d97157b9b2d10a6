"""The refresh after commit: coalesced, in-process when Celery is eager, on a worker otherwise.

``changes_committed`` listens on ``surveys.recording``. In-process (Celery eager,
the embedded default) it refreshes the communes touched at once; the stale marks
coalesce a burst: the first callback of a 200-op push recounts and clears the
mark, the other 199 find nothing to do. With a worker it enqueues one refresh per
commune unless one is pending — a cache key per commune (``cache.add``) plus a
short in-process memory — delayed by ``REFRESH_DELAY`` so a burst of pushes costs
one recount. The task clears the key first, then refreshes whatever is still
marked stale, so a change committed while a refresh runs is refreshed again.
"""

import time

from celery import shared_task
from django.core.cache import cache

from indicators import services
from server.celery import app

REFRESH_DELAY = 2.0  # seconds a worker waits before refreshing, so a burst is one recount
PENDING_TTL = 120  # a lost task frees its commune after this many seconds
_recently_enqueued: dict[int, float] = {}


def _pending_key(commune_id: int) -> str:
    return f"indicators:pending:{commune_id}"


@shared_task(name="indicators.refresh_stale")
def refresh_stale(commune_ids: list[int]) -> int:
    cache.delete_many([_pending_key(pk) for pk in commune_ids])
    return services.stale_refresh(commune_ids=commune_ids)


def schedule_refresh(*, commune_ids) -> list[int]:
    """Schedule a refresh of these communes unless one is pending; returns the communes scheduled."""
    communes = sorted(set(commune_ids))
    if (
        app.conf.task_always_eager
    ):  # in-process: the marks themselves coalesce (a refreshed commune has none)
        if communes:
            refresh_stale.apply_async(args=[communes])
        return communes
    now = time.monotonic()
    todo = []
    for pk in communes:
        if now - _recently_enqueued.get(pk, -REFRESH_DELAY) < REFRESH_DELAY:
            continue  # enqueued less than REFRESH_DELAY ago: that task has not started yet
        if cache.add(_pending_key(pk), 1, timeout=PENDING_TTL):
            todo.append(pk)
            _recently_enqueued[pk] = now
    if todo:
        refresh_stale.apply_async(args=[todo], countdown=REFRESH_DELAY)
    return todo


def changes_committed(changes) -> None:
    """The ``surveys.recording`` listener: refresh the communes of these changes."""
    schedule_refresh(commune_ids={change.commune_id for change in changes})
