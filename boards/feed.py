"""The activity feed of board snapshots: the events worth showing again, in a bounded table."""

import logging

from django.utils import timezone

logger = logging.getLogger(__name__)

# Kept in the activity feed (``boards.models.Activity``); the others are too frequent or too technical.
FEED_TYPES = {
    "survey.progress",
    "conflict.opened",
    "conflict.closed",
    "duplicate.queued",
    "duplicate.decided",
    "commune.signed_off",
    "commune.reopened",
    "correction.after_signoff",
}
FEED_KEEP = 5000  # rows kept in the activity table (all boards together)


def remember(groups: list[str], event: dict) -> None:
    """Keep the event for the activity feed of snapshots (bounded table); never raises."""
    if event.get("type") not in FEED_TYPES:
        return
    from boards.models import Activity

    try:
        codes = "," + ",".join(g.removeprefix("board.") for g in groups) + ","
        row = Activity.objects.create(
            at=timezone.now(), codes=codes[:255], type=event["type"], event=event
        )
        if row.pk % 100 == 0:
            Activity.objects.filter(pk__lte=row.pk - FEED_KEEP).delete()
    except Exception:  # the feed is a convenience: the write already committed
        logger.exception("could not keep the board event %s", event.get("type"))
