"""Every WebSocket route of the site, gathered from the apps."""

from __future__ import annotations

from django.urls import path

from community.routing import websocket_urlpatterns as community_routes
from dashboard.routing import websocket_urlpatterns as dashboard_routes
from messaging.consumers import UserConsumer
from rooms.routing import websocket_urlpatterns as room_routes

websocket_urlpatterns: list = [
    path("ws/me/", UserConsumer.as_asgi()),
    *room_routes,
    *community_routes,
    *dashboard_routes,
]
