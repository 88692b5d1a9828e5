"""The JSON room socket at /api/v1/ws/<room_id>: the room page's socket for programs.

It is the page's consumer (rooms.consumers.RoomConsumer: presence, the same access
checks at connect and on every frame, the same commands through the same form and
services) with three differences: it authenticates with an API token instead of the
session cookie, it sends the events' `data` as JSON instead of their HTML, and it also
closes when its token is revoked.

The token comes in the query string (`?token=…`) or as a subprotocol pair
(`Sec-WebSocket-Protocol: bearer, <token>`, which keeps it out of access logs). Without
cookies, a page on another origin gains nothing by opening it, so it takes no origin check.
"""

from __future__ import annotations

import json
import logging
from urllib.parse import parse_qs

from django.utils import timezone

from api.models import ApiToken
from api.queries import token_for_secret
from api.services import token_group
from focusmate.lib.broadcast import UNDELIVERED_NOTE
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


class ApiRoomConsumer(RoomConsumer):
    api_token: ApiToken | None = None
    subprotocol: str | None = None
    catch_up = ""  # a resync is the snapshot alone (the page's chat marker is HTML)

    async def connect(self) -> None:
        secret, self.subprotocol = token_secret(self.scope)
        token = await parallel_db(token_for_secret)(secret) if secret else None
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
        group = token_group(self.api_token.pk)
        self.access_groups = [*self.access_groups, group]
        await self.channel_layer.group_add(group, self.channel_name)

    @staticmethod
    def refusal(text: str) -> str:
        """A refused frame (the page's consumer decides which): `{"type": "error", ...}`."""
        return frame("error", detail=text)

    def undelivered_line(self, line) -> str:
        """The sender's own line, saved but not pushed to the room (the layer is away)."""
        return frame("chat.posted", data=line_data(line), delivered=False, detail=UNDELIVERED_NOTE)

    # --- group events: their JSON twin ------------------------------------------------

    async def timer_changed(self, event: dict) -> None:
        await self.send(text_data=frame("timer.changed", data=event["data"]))

    async def people_changed(self, event: dict) -> None:
        await self.send(text_data=frame("people.changed", data=event["data"]))

    async def room_closed(self, event: dict) -> None:
        await self.send(text_data=frame("room.closed", data=event["data"]))

    async def chat_posted(self, event: dict) -> None:
        await self.send(text_data=frame("chat.posted", data=event["data"]))

    async def chat_changed(self, event: dict) -> None:
        await self.send(text_data=frame("chat.changed", data=event["data"]))

    async def chat_state(self, event: dict) -> None:
        await self.send(text_data=frame("chat.state", data=event.get("data") or {}))

    async def _snapshot(self, timer: Timer, joined_at: float) -> str:
        """The whole state on connect and after an outage: the timer as of now and the
        people the page lists."""
        return await parallel_db(self._snapshot_now)(timer)

    def _snapshot_now(self, timer: Timer) -> str:
        room = timer.room
        _, due = timer.state_at(timezone.now())
        if due:  # a phase ended and nobody has recorded it yet
            timer = timer_advance(room_id=room.pk)
            timer.room = room
        people = people_in_room(room)
        return frame(
            "snapshot",
            timer=timer_data(timer),
            people={
                "room_id": room.pk,
                "count": people.count,
                "participants": [person_data(p) for p in people.shown],
            },
        )
