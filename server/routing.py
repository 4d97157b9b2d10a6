"""Websocket routes of every app (the live boards add theirs here)."""

websocket_urlpatterns: list = []
