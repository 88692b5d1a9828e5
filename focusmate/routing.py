"""Every WebSocket route of the site, gathered from the apps."""

from __future__ import annotations

from django.urls import path

from community.routing import websocket_urlpatterns as community_routes
from dashboard.routing import websocket_urlpatterns as dashboard_routes
from rooms.routing import websocket_urlpatterns as room_routes
from scheduling.consumers import UserSocket

websocket_urlpatterns: list = [
    # The per-user socket (messaging), with the seats of the sessions a page shows.
    path("ws/me/", UserSocket.as_asgi()),
    *room_routes,
    *community_routes,
    *dashboard_routes,
]
