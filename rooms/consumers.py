"""The room socket: presence, a snapshot on connect, the room's pushes, and commands.

It authenticates, joins groups, turns a frame into a service call and forwards events;
reads and writes go through rooms.queries and the services. Access is checked at
connect and again on every frame, and the socket follows access as it changes (see
focusmate.lib.sockets): leaving the room, a ban or a logout stops it at once.

Everything the room's sockets are pushed comes through the event bus, rendered once by
a subscriber (rooms.subscriptions). The one state a consumer sends of its own accord is
its snapshot (`_snapshot`): it is for this one socket, at its connect or after an
outage, so it is written straight to this socket, not sent as a group event that every
socket of the room would receive. It shows the timer through the same view and
renderer as the pushes (`timer_view(...).html(oob=True)`).
"""

from __future__ import annotations

import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.queries import active_user
from focusmate.lib.broadcast import UNDELIVERED_NOTE, room_group, undelivered
from focusmate.lib.frames import FrameError, parse_frame
from focusmate.lib.http import error_message
from focusmate.lib.sockets import (
    CLOSE_FORBIDDEN,
    CLOSE_UNAUTHENTICATED,
    AccessControlled,
    error_toast,
    parallel_db,
)
from messaging.models import ChatMessage
from messaging.services import chat_post
from messaging.subscriptions import chat_line_appended
from rooms import access, presence, queries, services, snapshots
from rooms.forms import RoomFrameForm
from rooms.rendering import render_participants
from timers.models import Timer
from timers.rendering import timer_view
from timers.services import timer_advance, timer_command
from video.signalling import VideoSignalling

logger = logging.getLogger(__name__)

# After a channel-layer outage the chat asks for the lines after its newest (messages.js).
CHAT_CATCH_UP = '<div id="catch-up-room" hx-swap-oob="true" data-catch-up="room" hidden></div>'


class RoomConsumer(VideoSignalling, AccessControlled, AsyncWebsocketConsumer):
    room_id: int | None = None
    catch_up = CHAT_CATCH_UP  # sent after a resync: the chat asks for what it missed
    counted = False  # this socket is in the presence count

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        room_id = int(self.scope["url_route"]["kwargs"]["room_id"])
        membership = await parallel_db(access.socket_membership)(room_id=room_id, user=user)
        if membership is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.room_id = room_id
        self.group = room_group(room_id)
        await self.join_access_groups(user)
        await self.channel_layer.group_add(self.group, self.channel_name)
        joined_at = snapshots.joined()
        await self.accept()
        self.counted = True
        presence.arrive(self, room_id=room_id, user_id=user.pk)
        await self.send(text_data=await self._snapshot(membership.room.timer, joined_at))

    async def disconnect(self, code: int) -> None:
        if self.room_id is None:
            return
        await self._uncount()  # first: it needs no channel layer
        await self.video_leave()  # the calls with this page end (video.signalling)
        await self.leave_groups(self.group)
        await self.leave_access_groups()

    async def _uncount(self) -> None:
        if not self.counted:
            return
        self.counted = False
        presence.depart(self, room_id=self.room_id, user_id=self.scope["user"].pk)

    async def receive(self, text_data=None, bytes_data=None) -> None:
        """Frames from the htmx ws extension: {"action": "start"}, {"intention": "…"} or
        {"chat": "…"} (a line for the room's chat).

        A bad frame gets an error toast and the socket stays open; nothing a browser
        sends can make this raise.
        """
        if self.revoked or self.room_id is None:
            return
        if await self.video_receive(text_data):  # the camera strip's frames
            return
        try:
            fields = parse_frame(text_data, RoomFrameForm)
            answer = await database_sync_to_async(self._act)(fields)
            if answer:
                await self.send(text_data=answer)
        except FrameError as error:
            await self.send(text_data=self.refusal(str(error)))
        except (ValidationError, PermissionDenied) as error:
            await self.send(text_data=self.refusal(error_message(error)))
        except Exception:
            logger.exception("%s frame failed room=%s", type(self).__name__, self.room_id)
            await self.send(text_data=self.refusal("Something went wrong. Please try again."))

    @staticmethod
    def refusal(text: str) -> str:
        """What a refused frame gets back: the page shows it as a toast."""
        return error_toast(text)

    def _act(self, fields: dict) -> str | None:
        """Does what the frame asks; returns what this socket must be sent besides the
        room's pushes (a chat line that was saved but could not be pushed)."""
        user = active_user(self.scope["user"].pk)
        viewing = queries.room_for_viewer(room_id=self.room_id, user=user) if user else None
        if viewing is None or not viewing.is_member:
            raise PermissionDenied("You're no longer in this room.")
        if fields.get("action"):
            timer_command(
                room=viewing.room,
                by=user,
                participant=viewing.participant,
                action=fields["action"],
            )
        elif "intention" in fields:
            services.participant_set_intention(
                room=viewing.room, user=user, intention=fields["intention"]
            )
        elif "chat" in fields:
            with undelivered() as failed:
                line = chat_post(room=viewing.room, by=user, body=fields["chat"])
            if self.group in failed:  # stored, but the room's push did not go out
                return self.undelivered_line(line)
        return None

    def undelivered_line(self, line: ChatMessage) -> str:
        """The sender's own line, and a note that the others will get it later (when the
        layer is back, every page resyncs and its chat catches up)."""
        return chat_line_appended(line) + error_toast(UNDELIVERED_NOTE)

    async def resync(self) -> None:
        """After a channel-layer outage: the state again, if still a member."""
        if self.room_id is None or self.revoked:
            return
        membership = await parallel_db(access.socket_membership)(
            room_id=self.room_id, user=self.scope["user"]
        )
        if membership is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        snapshots.bump(self.room_id)  # pushes may have been missed here too
        snapshot = await self._snapshot(membership.room.timer, snapshots.joined())
        await self.send(text_data=snapshot + self.catch_up)

    # --- group events: forwarded as rendered once for the whole room -----------------

    async def timer_changed(self, event: dict) -> None:
        await self.send(text_data=event["html"])

    async def people_changed(self, event: dict) -> None:
        snapshots.bump(self.room_id)
        await self.send(text_data=event["html"])

    async def room_closed(self, event: dict) -> None:
        snapshots.bump(self.room_id)
        await self.send(text_data=event["html"])

    async def chat_posted(self, event: dict) -> None:
        await self.send(text_data=event["html"])

    async def chat_changed(self, event: dict) -> None:
        await self.send(text_data=event["html"])

    async def chat_state(self, event: dict) -> None:
        await self.send(text_data=event["html"])

    async def room_left(self, event: dict) -> None:
        """This user left the room (or was removed): this socket hears nothing more of it."""
        if event.get("room_id") != self.room_id:
            return
        self.revoked = True
        await self.channel_layer.group_discard(self.group, self.channel_name)
        await self.close(code=CLOSE_FORBIDDEN)

    async def _snapshot(self, timer: Timer, joined_at: float) -> str:
        """The full state, so a (re)connecting browser never shows something stale;
        `joined_at` is when this socket joined the room's group (rooms.snapshots).

        Sent to this socket alone (see the module's docstring): no other socket needs it,
        and the group's pushes carry every change after it. The timer (read with the
        membership) is its view as of now, rendered as the pushes are, on the loop (a
        template, no query: a thread hop for it cost more than the rendering), or a
        rendering of it made a moment ago is reused; the people list is the room's
        current rendering in this process (rooms.snapshots).
        """
        _, due = timer.state_at(timezone.now())
        if due:  # a phase ended and nobody has recorded it yet
            timer_html = await parallel_db(self._advanced_timer_html)()
        else:
            timer_html = snapshots.timer_html(timer, lambda: timer_view(timer).html(oob=True))
        people = await snapshots.people_html(
            self.room_id,
            lambda: parallel_db(render_participants)(timer.room, oob=True),
            joined_at=joined_at,
        )
        return timer_html + people

    def _advanced_timer_html(self) -> str:
        return timer_view(timer_advance(room_id=self.room_id)).html(oob=True)
