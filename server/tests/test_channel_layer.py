"""The channel layer of this environment carries messages (Redis when REDIS_URL is set)."""

import asyncio
import os

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings


def test_the_configured_channel_layer_round_trips_a_group_message():
    layer = get_channel_layer()
    expected = "RedisChannelLayer" if os.environ.get("REDIS_URL") else "InMemoryChannelLayer"
    assert type(layer).__name__ == expected

    async def round_trip():
        channel = await layer.new_channel()
        await layer.group_add("test-board", channel)
        await layer.group_send("test-board", {"type": "board.event", "text": "Xã Lê Chân: 42%"})
        message = await asyncio.wait_for(layer.receive(channel), timeout=5)
        await layer.group_discard("test-board", channel)
        return message

    assert async_to_sync(round_trip)() == {"type": "board.event", "text": "Xã Lê Chân: 42%"}


def test_healthz_checks_redis_when_configured(client, db):
    body = client.get("/healthz").json()
    if settings.REDIS_URL:
        assert body["checks"]["redis"] == "ok"
    else:
        assert "redis" not in body["checks"]
