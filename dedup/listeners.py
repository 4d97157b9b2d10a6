"""The per-change run: after each commit of the register, check the residents it touched."""

import logging

from django.conf import settings

from surveys.models import Change
from surveys.recording import on_changes_committed

logger = logging.getLogger(__name__)


def residents_changed(changes: list[Change]) -> None:
    """Queue the duplicate check of created, updated and deleted residents (``DEDUP_ON_CHANGE``:
    ``inline`` checks right away, ``task`` through Celery, ``off`` not at all)."""
    mode = settings.DEDUP_ON_CHANGE
    ids = sorted({str(c.entity_id) for c in changes if c.entity == "resident"})
    if not ids or mode == "off":
        return
    from dedup.tasks import check_residents

    if mode == "task":
        check_residents.delay(ids)
    else:
        check_residents(ids)


def register() -> None:
    on_changes_committed(residents_changed)
