"""Back-pressure for the deadline storm: a per-user rate limit and an overload guard.

The rate limit is DRF's scoped throttle (``sync`` rate, 429 with Retry-After),
counted in the shared cache (Redis in production). The overload guard counts
the push requests a web process is holding (queued or running); beyond
``SYNC_MAX_IN_FLIGHT`` it answers 503 at once with a Retry-After, spread with
jitter so that phones do not come back together.
"""

import json
import logging
import random
import threading
import time

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.http import HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from rest_framework.throttling import ScopedRateThrottle

logger = logging.getLogger(__name__)
PUSH_PATHS = ("/api/sync/push", "/api/sync/push/")


class SyncThrottle(ScopedRateThrottle):
    """The per-user rate limit, failing open: when the cache (Redis) cannot be reached the
    request goes through (the overload guard below still bounds each process), so an outage
    of Redis never stops a phone from saving its work (docs/reliability.md)."""

    scope_attr = "throttle_scope"

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except Exception as exc:  # noqa: BLE001 - any cache failure: let the write through
            _log_cache_down(exc)
            return True


_cache_down_logged = [0.0]


def _log_cache_down(exc: Exception) -> None:
    """A warning at most once a minute per process, not one per request."""
    now = time.monotonic()
    if now - _cache_down_logged[0] >= 60:
        _cache_down_logged[0] = now
        logger.warning(
            "sync rate limit skipped: the cache is unavailable (%s)", exc.__class__.__name__
        )


class _Counter:
    def __init__(self) -> None:
        self.value = 0
        self.lock = threading.Lock()

    def enter(self, limit: int) -> bool:
        with self.lock:
            if self.value >= limit:
                return False
            self.value += 1
            return True

    def leave(self) -> None:
        with self.lock:
            self.value -= 1


IN_FLIGHT = _Counter()


def overloaded_response() -> HttpResponse:
    retry_after = random.randint(5, 30)  # noqa: S311 - jitter, not security
    with translation.override(settings.LANGUAGE_CODE):
        message = _(
            "The server is busy; your changes are safe on the phone and will be sent again shortly."
        )
    response = HttpResponse(
        json.dumps({"message": message, "errors": {}}, ensure_ascii=False),
        status=503,
        content_type="application/json",
    )
    response["Retry-After"] = str(retry_after)
    return response


class PushGate:
    """Middleware: refuse push requests beyond the in-flight limit of this process."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.is_async:
            return self._acall(request)
        if request.path_info not in PUSH_PATHS:
            return self.get_response(request)
        if not IN_FLIGHT.enter(settings.SYNC_MAX_IN_FLIGHT):
            return overloaded_response()
        try:
            return self.get_response(request)
        finally:
            IN_FLIGHT.leave()

    async def _acall(self, request):
        if request.path_info not in PUSH_PATHS:
            return await self.get_response(request)
        if not IN_FLIGHT.enter(settings.SYNC_MAX_IN_FLIGHT):
            return overloaded_response()
        try:
            return await self.get_response(request)
        finally:
            IN_FLIGHT.leave()
