"""The board websocket: ``/ws/boards/<area code>/``. Snapshot first, then every event of the area's group."""

from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from boards import selectors
from server.errors import NotFound
from server.events import group_name

REFUSED = 4403  # close code: anonymous, or an area the user may not see


class BoardConsumer(AsyncJsonWebsocketConsumer):
    group = None

    async def connect(self):
        # Accept at once (the server drops a handshake not answered within seconds), then
        # decide: refused is a close with 4403, which the page tells apart from a failure.
        await self.accept()
        user = self.scope.get("user")
        code = self.scope["url_route"]["kwargs"]["code"]
        area = await self._area(user, code)
        if area is None:
            await self.close(code=REFUSED)
            return
        self.group = group_name(area.code)
        await self.channel_layer.group_add(
            self.group, self.channel_name
        )  # first: no event lost before the snapshot
        round_year = await self._round()
        # Snapshots of many boards opening at once run side by side (own threads, own connections).
        snapshot = await database_sync_to_async(selectors.snapshot, thread_sensitive=False)(
            area=area, user=user, round_year=round_year
        )
        await self.send_json(snapshot)

    async def disconnect(self, code):
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def board_event(self, message):
        await self.send_json(message["event"])

    @database_sync_to_async
    def _area(self, user, code):
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        try:
            return selectors.board_area(user=user, code=code)
        except NotFound:
            return None

    @database_sync_to_async
    def _round(self) -> int:
        from surveys.selectors import round_current

        query = parse_qs(self.scope.get("query_string", b"").decode())
        given = (query.get("round") or [""])[0]
        return int(given) if given.isdigit() and 1900 <= int(given) <= 2200 else round_current()
