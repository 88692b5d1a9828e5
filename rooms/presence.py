"""Presence pushes, coalesced: one frame per room per short window, whoever came or went.

When a room fills up (a class starting together, a benchmark), every arrival would
otherwise be pushed to everyone already there. The socket that saw a presence flip
records it here; a per-room task waits `PRESENCE_COALESCE_SECONDS`, then renders the
changed people once and sends them in one group message. Each server process
coalesces the sockets it serves.
"""

from __future__ import annotations

import asyncio

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

from focusmate.lib.broadcast import message, room_group
from rooms.models import Room
from rooms.rendering import Rendered, render_people_changes

# Keyed by event loop as well: tests run one loop each, a server one for its life.
_pending: dict[tuple[int, int], set[int]] = {}
_flushing: dict[tuple[int, int], asyncio.Task] = {}


async def presence_changed(*, room_id: int, user_id: int) -> None:
    key = (id(asyncio.get_running_loop()), room_id)
    _pending.setdefault(key, set()).add(user_id)
    if key not in _flushing:
        _flushing[key] = asyncio.create_task(_flush_later(key, room_id))


@database_sync_to_async
def _render(room_id: int, user_ids: set[int]) -> Rendered | None:
    room = Room.objects.filter(pk=room_id).first()
    return render_people_changes(room, user_ids=user_ids) if room else None


async def _flush_later(key: tuple[int, int], room_id: int) -> None:
    try:
        await asyncio.sleep(settings.PRESENCE_COALESCE_SECONDS)
    finally:
        _flushing.pop(key, None)
        user_ids = _pending.pop(key, set())
    rendered = await _render(room_id, user_ids)
    if rendered:
        await get_channel_layer().group_send(
            room_group(room_id),
            message("people.changed", html=rendered.html, data=rendered.data),
        )
