"""Websocket routes of every app (the live boards add theirs here)."""

from boards.routing import websocket_urlpatterns as board_routes

websocket_urlpatterns: list = [*board_routes]
