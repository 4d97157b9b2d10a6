"""The Celery app: workers on Redis in production, in-process (eager) by default.

Queueing a task must not hold up a write when the broker (Redis) is down: after a
failed publish, further publishes in this process fail at once for ``BROKER_PAUSE``
seconds (a circuit breaker) instead of each retrying for about half a second. The
callers are after-commit listeners (their failures are logged, the write stands) and
the export jobs (a job that was not queued is reaped as failed). docs/reliability.md.
"""

import logging
import os
import threading
import time

from celery import Celery, Task
from kombu.exceptions import OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")

logger = logging.getLogger(__name__)
BROKER_PAUSE = 5.0  # seconds a process stops trying the broker after a failed publish


class BrokerUnavailable(OperationalError):
    """The broker failed a moment ago: the task was not queued."""


class _Breaker:
    def __init__(self) -> None:
        self.open_until = 0.0
        self.lock = threading.Lock()

    def check(self, name: str) -> None:
        if time.monotonic() < self.open_until:
            raise BrokerUnavailable(
                f"task {name} not queued: the broker failed less than {BROKER_PAUSE:.0f} s ago"
            )

    def trip(self, exc: Exception) -> None:
        with self.lock:
            already = time.monotonic() < self.open_until
            self.open_until = time.monotonic() + BROKER_PAUSE
        if not already:
            logger.warning(
                "Celery broker unavailable (%s): not queueing tasks for %.0f s", exc, BROKER_PAUSE
            )

    def close(self) -> None:
        self.open_until = 0.0


BREAKER = _Breaker()


class PcgdTask(Task):
    def apply_async(self, *args, **kwargs):
        if self.app.conf.task_always_eager:
            return super().apply_async(*args, **kwargs)
        BREAKER.check(self.name)
        try:
            return super().apply_async(*args, **kwargs)
        except OperationalError as exc:
            BREAKER.trip(exc)
            raise


app = Celery("pcgd", task_cls=PcgdTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
