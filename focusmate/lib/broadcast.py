"""Real-time events: group names and the one way services send to them.

Services call these inside their transaction; the send happens on commit, so a
rolled-back change is never announced. A payload is built once per group send,
never once per recipient: consumers forward `html` to the socket as it is.
"""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


def room_group(room_id: int) -> str:
    return f"room.{room_id}"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def send_now(group: str, message: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception:
        # The database holds the truth; a lost push is repaired by the next sync.
        logger.exception("broadcast to %s failed", group)


def html_message(html: str) -> dict:
    """An HTML fragment (with hx-swap-oob targets) that consumers forward as it is."""
    return {"type": "send.html", "html": html}


def send_html_now(group: str, html: str) -> None:
    send_now(group, html_message(html))


def send_html_on_commit(group: str, html: str) -> None:
    """Pushes an HTML fragment to every socket in the group once the transaction commits."""
    message = html_message(html)
    transaction.on_commit(lambda: send_now(group, message))


def layer_is_process_local() -> bool:
    """True for the in-memory layer: only this process's sockets can be reached."""
    from django.conf import settings

    return settings.CHANNEL_LAYERS["default"]["BACKEND"].endswith(".InMemoryChannelLayer")
