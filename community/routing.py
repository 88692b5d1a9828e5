from __future__ import annotations

from django.urls import path

from community.consumers import ForumConsumer

websocket_urlpatterns = [
    path("ws/community/", ForumConsumer.as_asgi()),
    path("ws/community/c/<slug:slug>/", ForumConsumer.as_asgi()),
    path("ws/community/posts/<int:post_id>/", ForumConsumer.as_asgi()),
]
