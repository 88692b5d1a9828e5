"""The JSON room socket at /api/v1/ws/<room_id>: the room page's socket for programs.

It is the page's consumer (rooms.consumers.RoomConsumer: presence, the same access
checks at connect and on every frame, the same commands through the same form and
services) with three differences: it authenticates with an API token instead of the
session cookie, it sends the events' `data` as JSON instead of their HTML, and it also
closes when its token is revoked.

The token (a JWT, or an opaque one from before JWTs) comes in the query string
(`?token=…`) or as a subprotocol pair (`Sec-WebSocket-Protocol: bearer, <token>`, which
keeps it out of access logs). Without cookies, a page on another origin gains nothing by
opening it, so it takes no origin check.

It speaks our messages (`snapshot`, `timer.changed`, `people.changed`, …) unless the
client connects with `?protocol=v1` or sends its first frame in the original backend's
format: then the original's (`connected`, `timer_update`, `participant_joined`,
`participant_left`, `room_updated`; api.original_socket). Either gets `{"type": "pong"}`
for a ping.
"""

from __future__ import annotations

import json
import logging
from urllib.parse import parse_qs

from django.utils import timezone

from api import original_socket
from api.models import ApiToken
from api.queries import participants_by_user, room_with_owner, token_for_credential
from api.services import token_group
from focusmate.lib.broadcast import UNDELIVERED_NOTE
from focusmate.lib.frames import MAX_FRAME_CHARACTERS
from focusmate.lib.sockets import CLOSE_UNAUTHENTICATED, parallel_db
from messaging.subscriptions import line_data
from rooms.consumers import RoomConsumer
from rooms.queries import people_in_room
from rooms.rendering import person_data
from timers.models import Timer
from timers.rendering import timer_data
from timers.services import timer_advance

logger = logging.getLogger(__name__)

SUBPROTOCOL = "bearer"


def token_secret(scope: dict) -> tuple[str | None, str | None]:
    """(the secret, the subprotocol to accept) from the handshake."""
    protocols = scope.get("subprotocols") or []
    if len(protocols) == 2 and protocols[0] == SUBPROTOCOL:
        return protocols[1], SUBPROTOCOL
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    secret = query.get("token", [None])[0]
    return secret, None


def frame(kind: str, **fields) -> str:
    return json.dumps({"type": kind, **fields})


def _peek(text: str | None) -> dict | None:
    """The frame as a dict, if it is one (the room consumer validates it properly)."""
    if text is None or len(text) > MAX_FRAME_CHARACTERS:
        return None
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return parsed if isinstance(parsed, dict) else None


def _timer_update(data: dict) -> str:
    return original_socket.message("timer_update", original_socket.timer_json(data))


def _participants_pushed(data: dict) -> dict[int, dict]:
    """The people a `people.changed` push names, each in the original's participant shape."""
    user_ids = [person["user_id"] for person in data["changed"]] + list(data["left"])
    found = participants_by_user(room_id=data["room_id"], user_ids=user_ids)
    return {
        user_id: original_socket.participant_json(p, host_id=p.room.owner_id)
        for user_id, p in found.items()
    }


async def _make_timer_update(data: dict) -> str:
    return _timer_update(data)


async def _fetch_participants_pushed(data: dict) -> dict[int, dict]:
    return await parallel_db(_participants_pushed)(data)


timer_update_per_push = original_socket.PerPush(_make_timer_update)
participants_per_push = original_socket.PerPush(_fetch_participants_pushed)


class ApiRoomConsumer(RoomConsumer):
    api_token: ApiToken | None = None
    subprotocol: str | None = None
    catch_up = ""  # a resync is the snapshot alone (the page's chat marker is HTML)
    original = False  # speaks the original backend's messages (api.original_socket)
    first_frame = True
    # What an original-protocol socket has told its client: who is in the room (so that
    # a change is a join only the first time), and the timer's version and settings.
    known_people: frozenset[int] = frozenset()
    timer_version: int | None = None
    timer_settings: dict | None = None

    async def connect(self) -> None:
        self.original = original_socket.requested(self.scope)
        secret, self.subprotocol = token_secret(self.scope)
        token = await parallel_db(token_for_credential)(secret) if secret else None
        if token is None:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.api_token = token
        self.scope["user"] = token.user
        await super().connect()

    async def accept(self, subprotocol=None, headers=None) -> None:
        await super().accept(subprotocol or self.subprotocol, headers)

    async def join_access_groups(self, user) -> None:
        await super().join_access_groups(user)
        group = token_group(token_id=self.api_token.pk)
        self.access_groups = [*self.access_groups, group]
        await self.channel_layer.group_add(group, self.channel_name)

    def refusal(self, text: str) -> str:
        """A refused frame (the page's consumer decides which): `{"type": "error",
        "detail"}`, or in the original's envelope `{"type": "error", "data": {"detail"}}`."""
        if self.original:
            return original_socket.message("error", {"detail": text})
        return frame("error", detail=text)

    async def receive(self, text_data=None, bytes_data=None) -> None:
        """A ping gets a pong; a first frame in the original's format switches this
        socket to the original's messages (starting with `connected`); the rest is the
        room consumer's (commands, intentions, chat)."""
        if self.revoked or self.room_id is None:
            return
        peeked = _peek(text_data)
        first, self.first_frame = self.first_frame, False
        if first and peeked and not self.original and original_socket.is_original_frame(peeked):
            self.original = True
            await self.resync()
        if peeked is not None and original_socket.is_ping(peeked):
            await self.send(text_data=original_socket.PONG)
            return
        await super().receive(text_data, bytes_data)

    def undelivered_line(self, line) -> str:
        """The sender's own line, saved but not pushed to the room (the layer is away)."""
        return frame("chat.posted", data=line_data(line), delivered=False, detail=UNDELIVERED_NOTE)

    # --- group events: their JSON twin ------------------------------------------------

    async def timer_changed(self, event: dict) -> None:
        if not self.original:
            await self.send(text_data=frame("timer.changed", data=event["data"]))
            return
        data = event["data"]
        # A push that changes nothing of the timer is the room's owner changing its
        # settings (rooms.services.room_update announces the timer as it is).
        room_changed = (
            data["version"] == self.timer_version or data["settings"] != self.timer_settings
        )
        self.timer_version, self.timer_settings = data["version"], data["settings"]
        await self.send(text_data=await timer_update_per_push(data))
        if room_changed:
            await self._room_updated()

    async def people_changed(self, event: dict) -> None:
        if not self.original:
            await self.send(text_data=frame("people.changed", data=event["data"]))
            return
        data = event["data"]
        shaped = await participants_per_push(data)
        known = set(self.known_people)
        for person in data["changed"]:
            user_id = person["user_id"]
            if user_id in shaped:
                # A change to someone already announced (online, intention) is ours.
                kind = "participant_updated" if user_id in known else "participant_joined"
                known.add(user_id)
                await self.send(text_data=original_socket.message(kind, shaped[user_id]))
        for user_id in data["left"]:
            known.discard(user_id)
            if user_id in shaped:
                message = original_socket.message("participant_left", shaped[user_id])
                await self.send(text_data=message)
        self.known_people = frozenset(known)

    async def room_closed(self, event: dict) -> None:
        if not self.original:
            await self.send(text_data=frame("room.closed", data=event["data"]))
            return
        await self._room_updated()

    async def _room_updated(self) -> None:
        """`room_updated` with the room as its HTTP answer shows it to this socket's user
        (the invite token only to the owner): read once per socket, on a rare event."""
        room = await parallel_db(room_with_owner)(self.room_id)
        if room is not None:
            data = original_socket.room_json(room, viewer=self.scope["user"])
            await self.send(text_data=original_socket.message("room_updated", data))

    async def chat_posted(self, event: dict) -> None:
        await self.send(text_data=frame("chat.posted", data=event["data"]))

    async def chat_changed(self, event: dict) -> None:
        await self.send(text_data=frame("chat.changed", data=event["data"]))

    async def chat_state(self, event: dict) -> None:
        await self.send(text_data=frame("chat.state", data=event.get("data") or {}))

    async def _snapshot(self, timer: Timer, joined_at: float) -> str:
        """The whole state on connect and after an outage: the timer as of now and the
        people the page lists (for the original's protocol: `connected`)."""
        timer, people = await parallel_db(_state_now)(timer)
        if self.original:
            return self._connected(timer, people)
        return frame(
            "snapshot",
            timer=timer_data(timer),
            people={
                "room_id": timer.room_id,
                "count": people.count,
                "participants": [person_data(p) for p in people.shown],
            },
        )

    def _connected(self, timer: Timer, people) -> str:
        data = timer_data(timer)
        self.timer_version, self.timer_settings = data["version"], data["settings"]
        self.known_people = frozenset(p.user_id for p in people.shown)
        host_id = timer.room.owner_id
        return original_socket.connected(
            room_id=timer.room_id,
            timer_data=data,
            participants=[
                original_socket.participant_json(p, host_id=host_id) for p in people.shown
            ],
        )


def _state_now(timer: Timer):
    """The timer caught up to now, and the people the page lists."""
    room = timer.room
    _, due = timer.state_at(timezone.now())
    if due:  # a phase ended and nobody has recorded it yet
        timer = timer_advance(room_id=room.pk)
        timer.room = room
    return timer, people_in_room(room)
