"""The room socket: presence, a snapshot on connect, the room's pushes, and commands."""

from __future__ import annotations

import json
import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.html import escape

from focusmate.consumers import CLOSE_UNAUTHENTICATED
from focusmate.lib.broadcast import room_group
from focusmate.lib.http import error_message
from rooms import services
from rooms.models import Participant, Room
from rooms.presence import presence_changed
from rooms.rendering import render_participants

logger = logging.getLogger(__name__)
CLOSE_FORBIDDEN = 4403


def _toast(text: str) -> str:
    return (
        '<div id="toasts" hx-swap-oob="beforeend">'
        f'<div class="toast toast-error" role="alert">{escape(text)}</div></div>'
    )


class RoomConsumer(AsyncWebsocketConsumer):
    room_id: int | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        room_id = int(self.scope["url_route"]["kwargs"]["room_id"])
        if not await self._is_present_member(room_id, user):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.room_id = room_id
        self.group = room_group(room_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        if await database_sync_to_async(services.presence_change)(
            room_id=room_id, user=user, delta=+1
        ):
            await presence_changed(room_id=room_id, user_id=user.pk)
        await self.send(text_data=await self._snapshot())

    async def disconnect(self, code: int) -> None:
        if self.room_id is None:
            return
        await self.channel_layer.group_discard(self.group, self.channel_name)
        user = self.scope["user"]
        if await database_sync_to_async(services.presence_change)(
            room_id=self.room_id, user=user, delta=-1
        ):
            await presence_changed(room_id=self.room_id, user_id=user.pk)

    async def receive(self, text_data=None, bytes_data=None) -> None:
        """Frames from the htmx ws extension: {"action": "start"} or {"intention": "…"}."""
        try:
            frame = json.loads(text_data or "{}")
        except ValueError:
            return
        if not isinstance(frame, dict):
            return
        try:
            if "action" in frame:
                await database_sync_to_async(self._command)(str(frame["action"]))
            elif "intention" in frame:
                await database_sync_to_async(self._intention)(str(frame["intention"]))
        except (ValidationError, PermissionDenied) as error:
            await self.send(text_data=_toast(error_message(error)))

    async def send_html(self, event: dict) -> None:
        await self.send(text_data=event["html"])

    @database_sync_to_async
    def _is_present_member(self, room_id: int, user) -> bool:
        return (
            Participant.objects.present()
            .filter(room_id=room_id, user=user, room__is_active=True)
            .exists()
        )

    @database_sync_to_async
    def _snapshot(self) -> str:
        """The full state, so a (re)connecting browser never shows something stale."""
        from timers.rendering import render_timer
        from timers.services import timer_advance

        timer = timer_advance(room_id=self.room_id)
        return render_timer(timer, oob=True) + render_participants(timer.room, oob=True)

    def _command(self, action: str) -> None:
        from timers.services import timer_command

        room = Room.objects.get(pk=self.room_id)
        timer_command(room=room, by=self.scope["user"], action=action)

    def _intention(self, intention: str) -> None:
        room = Room.objects.get(pk=self.room_id)
        services.participant_set_intention(room=room, user=self.scope["user"], intention=intention)
