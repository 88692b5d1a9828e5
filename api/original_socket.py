"""The original backend's socket messages, for clients written against it.

`{"type": "connected" | "timer_update" | "participant_joined" | "participant_left" |
"room_updated", "data": {...}}`, each `data` in the shape of the matching HTTP answer
(api.schemas, issue #17), and `{"type": "pong"}` for `{"action": "ping"}` or
`{"type": "ping"}`. A socket speaks them when it connects with `?protocol=v1` or sends
its first frame in the original's format (api.consumers); ours stay the default.

The messages are made from the same group events as ours. What a push becomes here is
made once per process, not once per socket (`PerPush`): the channel layer hands every
socket of the process the same event `data`.
"""

from __future__ import annotations

import asyncio
import json
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs

from api.schemas import (
    ParticipantOut,
    RoomOut,
    TimerOut,
    as_json,
    participant_out,
    room_out,
    timer_out,
)
from rooms.models import Participant, Room

PROTOCOL = "v1"
PONG = json.dumps({"type": "pong"})


def requested(scope: dict) -> bool:
    """The client asked for the original's messages in the handshake (`?protocol=v1`)."""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    return query.get("protocol", [""])[0] == PROTOCOL


def is_ping(frame: dict) -> bool:
    return frame.get("action") == "ping" or frame.get("type") == "ping"


def is_original_frame(frame: dict) -> bool:
    """The original's clients send `type` (our frames never do) or a ping."""
    return "type" in frame or is_ping(frame)


def message(kind: str, data: dict) -> str:
    return json.dumps({"type": kind, "data": data})


# --- the shapes, as JSON-ready dicts (api.schemas) ------------------------------------


def timer_json(timer_data: dict) -> dict:
    """From `timers.rendering.timer_data`'s dict (a `timer.changed` event's `data`)."""
    return as_json(TimerOut, timer_out(timer_data))


def participant_json(participant: Participant, *, host_id: int) -> dict:
    return as_json(ParticipantOut, participant_out(participant, host_id=host_id))


def room_json(room: Room, *, viewer) -> dict:
    return as_json(RoomOut, room_out(room, viewer=viewer))


def connected(*, room_id: int, timer_data: dict, participants: list[dict]) -> str:
    """The first message: the room's id (the original's), and the state as of now (ours:
    the timer and the people shown, in the same shapes as their own messages)."""
    return message(
        "connected",
        {"room_id": str(room_id), "timer": timer_json(timer_data), "participants": participants},
    )


class PerPush:
    """What one pushed event becomes, made once per process and shared by the sockets.

    Keyed by the event `data`'s identity (kept referenced, so the id is not reused while
    remembered); a few recent pushes are kept. Sockets run on one event loop: the first
    to ask starts the work, the others await the same task.
    """

    def __init__(self, make: Callable[[dict], Awaitable[object]], *, kept: int = 64) -> None:
        self._make = make
        self._kept = kept
        self._made: OrderedDict[int, tuple[dict, asyncio.Future]] = OrderedDict()

    async def __call__(self, data: dict):
        key = id(data)
        found = self._made.get(key)
        if found is None or found[0] is not data:
            found = (data, asyncio.ensure_future(self._make(data)))
            self._made[key] = found
            while len(self._made) > self._kept:
                self._made.popitem(last=False)
        return await asyncio.shield(found[1])
