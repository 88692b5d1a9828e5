from __future__ import annotations

from django.urls import path

from api.consumers import ApiRoomConsumer

websocket_urlpatterns = [
    path("api/v1/ws/<int:room_id>", ApiRoomConsumer.as_asgi()),
]
