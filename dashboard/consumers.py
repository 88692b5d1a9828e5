"""The dashboard's socket: its parts, pushed as out-of-band swaps when events change them.

It joins two groups: the person's own dashboard (Today, Following) and the one every
open dashboard shares (the public rooms with people focusing now). A connect, and a
resync after a channel-layer outage, send every part afresh: whatever happened between
the page's render and the socket's opening is never missed.
"""

from __future__ import annotations

import time

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from accounts.queries import active_user
from dashboard import watching
from dashboard.groups import ALL_DASHBOARDS, dashboard_group
from dashboard.queries import following_panel, live_rooms, today
from dashboard.rendering import render_following, render_live_rooms, render_today
from focusmate.lib.sockets import CLOSE_UNAUTHENTICATED, AccessControlled


def _snapshot(user_id: int) -> str | None:
    user = active_user(user_id)
    if user is None:
        return None
    watching.mark(user_id=user.pk)
    return (
        render_today(today(user=user), oob=True)
        + render_following(following_panel(viewer=user), viewer=user, oob=True)
        + render_live_rooms(live_rooms(), oob=True)
    )


class DashboardConsumer(AccessControlled, AsyncWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.groups_joined = [dashboard_group(user.pk), ALL_DASHBOARDS]
        await self.join_access_groups(user)
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        self.marked_at = time.monotonic()  # the snapshot marks it
        await self.resync()

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "groups_joined"):
            await self.leave_groups(*self.groups_joined)
            await self.leave_access_groups()

    async def receive(self, text_data=None, bytes_data=None) -> None:
        """The page sends nothing; anything sent is ignored."""

    async def resync(self) -> None:
        html = await database_sync_to_async(_snapshot)(self.scope["user"].pk)
        if html is None:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        await self.send(text_data=html)

    async def dashboard_changed(self, event: dict) -> None:
        if self.revoked:
            return
        await self.send(text_data=event["html"])
        if time.monotonic() - self.marked_at > watching.REMARK_SECONDS:
            self.marked_at = time.monotonic()
            await database_sync_to_async(watching.mark)(user_id=self.scope["user"].pk)
