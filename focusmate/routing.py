"""Every WebSocket route of the site, gathered from the apps."""

from __future__ import annotations

websocket_urlpatterns: list = []
