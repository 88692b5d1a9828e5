"""The per-user socket: notifications, unlock toasts, anything addressed to one person."""

from __future__ import annotations

from channels.generic.websocket import AsyncWebsocketConsumer
from django.template.loader import render_to_string

from focusmate.lib.broadcast import user_group
from focusmate.lib.sockets import CLOSE_UNAUTHENTICATED, AccessControlled

# The bell as a placeholder that fetches its count (the same as a notification's push).
BELL_RELOAD = render_to_string("messaging/_bell.html", {"oob": True, "unread": None})


class UserConsumer(AccessControlled, AsyncWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.group = user_group(user.pk)
        await self.join_access_groups(user)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)
            await self.leave_access_groups()

    async def receive(self, text_data=None, bytes_data=None) -> None:
        # Nothing is accepted from the browser on this socket.
        return

    async def resync(self) -> None:
        """After a channel-layer outage: the bell loads its count again."""
        await self.send(text_data=BELL_RELOAD)

    async def notification_created(self, event: dict) -> None:
        await self.send(text_data=event["html"])

    async def achievements_unlocked(self, event: dict) -> None:
        await self.send(text_data=event["html"])
