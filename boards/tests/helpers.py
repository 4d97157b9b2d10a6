"""Listening to board groups in tests, on the configured channel layer."""

import asyncio

from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer


def listen_while(groups: list[str], work) -> list[dict]:
    """Subscribe to ``groups``, run the sync ``work``, return what arrived (one event loop throughout)."""
    layer = get_channel_layer()

    async def scenario():
        channel = await layer.new_channel()
        for group in groups:
            await layer.group_add(group, channel)
        await sync_to_async(work)()
        got = []
        try:
            while True:
                got.append(await asyncio.wait_for(layer.receive(channel), timeout=0.5))
        except TimeoutError:
            pass
        for group in groups:
            await layer.group_discard(group, channel)
        return got

    return async_to_sync(scenario)()
