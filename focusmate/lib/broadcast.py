"""Group names and the one way subscribers send to them.

A group message is named after its event (`timer.changed` reaches a consumer's
`timer_changed`) and carries `html`, rendered once for the whole group, and `data`,
the JSON-ready state for clients that are not a page. Subscribers send after commit
(see focusmate.events); services never send.
"""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings

logger = logging.getLogger(__name__)


def room_group(room_id: int) -> str:
    return f"room.{room_id}"


def user_group(user_id: int) -> str:
    """Everything addressed to one person's pages: notifications, messages, unread counts."""
    return f"user.{user_id}"


def message(event_type: str, *, html: str = "", data: dict | None = None) -> dict:
    return {"type": event_type, "html": html, "data": data or {}}


def send_now(group: str, payload: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, payload)
    except Exception:
        # The database holds the truth; a lost push is repaired by the next sync.
        logger.exception("broadcast to %s failed", group)


def layer_is_process_local() -> bool:
    """True for the in-memory layer: only this process's sockets can be reached."""
    return settings.CHANNEL_LAYERS["default"]["BACKEND"].endswith("InMemoryChannelLayer")
