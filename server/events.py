"""Live events: the one place that talks to the channel layer.

Services call ``publish_on_commit(area_codes, event)``; after the transaction
commits (at once outside one), the event goes to the group ``board.<code>`` of
each area. An event is a small JSON-able dict with a ``type``
(``"indicators.refreshed"``, …). On the channel layer it travels as
``{"type": "board.event", "event": event}``, so a board consumer handles every
event in one ``board_event`` method. Nothing is sent when the transaction rolls
back; a failing channel layer is logged and never undoes the write.
"""

import logging
from collections.abc import Callable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)
MESSAGE_TYPE = "board.event"


def group_name(area_code: str) -> str:
    """The channel layer group of an area's board (letters, digits, ``-``, ``_``, ``.`` only)."""
    return f"board.{area_code}"


def area_codes_up(area) -> list[str]:
    """The codes of the boards an event about ``area`` goes to: the area's and every ancestor's.

    Villages have no board (their codes are only unique within a commune), so a
    village gives its commune's code and up. One query for the ancestors (by path).
    """
    from areas.models import Area, AreaKind

    ids = [int(part) for part in area.path.strip("/").split("/") if part]
    found = {
        pk: (kind, code)
        for pk, kind, code in Area.objects.filter(pk__in=ids).values_list("pk", "kind", "code")
    }
    return [found[pk][1] for pk in ids if pk in found and found[pk][0] != AreaKind.VILLAGE]


def publish_on_commit(area_codes, event: dict) -> None:
    """Send ``event`` to the boards of these areas once the current transaction commits."""
    if "type" not in event:
        raise ValueError("an event needs a type")
    groups = sorted({group_name(code) for code in area_codes})
    if groups:
        transaction.on_commit(lambda: _send(groups, dict(event)), robust=True)


Sink = Callable[[list[str], dict], None]
_sinks: list[Sink] = []


def on_publish(sink: Sink) -> Sink:
    """Register a function that sees every event sent (groups, event), before the channel layer.

    The boards keep their activity feed this way (``boards.feed``); a sink must never raise.
    """
    if sink not in _sinks:
        _sinks.append(sink)
    return sink


def _send(groups: list[str], event: dict) -> None:
    for sink in list(_sinks):
        try:
            sink(groups, event)
        except Exception:  # a sink is a convenience: the write already committed
            logger.exception("event sink %s failed", getattr(sink, "__name__", sink))
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": MESSAGE_TYPE, "event": event}

    async def send_all():
        for group in groups:
            await layer.group_send(group, message)

    async_to_sync(send_all)()
