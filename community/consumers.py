"""The forum's sockets: one on the post list (new posts), one on a thread (new comments).

Nothing is accepted from the browser. Pushes by someone the reader blocked are dropped
here; access (a ban, a logout) closes the socket through AccessControlled, and a thread
that becomes hidden is checked again before each push.
"""

from __future__ import annotations

from channels.generic.websocket import AsyncWebsocketConsumer

from accounts.queries import blocked_id_set
from community import queries
from community.subscriptions import list_group, thread_group
from focusmate.lib.sockets import (
    CLOSE_FORBIDDEN,
    CLOSE_UNAUTHENTICATED,
    AccessControlled,
    parallel_db,
)


class ForumConsumer(AccessControlled, AsyncWebsocketConsumer):
    groups_joined: tuple[str, ...] = ()
    post_id: int | None = None
    blocked: frozenset[int] = frozenset()

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        kwargs = self.scope["url_route"]["kwargs"]
        if "post_id" in kwargs:
            self.post_id = int(kwargs["post_id"])
            if not await self._may_read():
                await self.close(code=CLOSE_FORBIDDEN)
                return
            self.groups_joined = (thread_group(self.post_id),)
        else:
            self.groups_joined = (list_group(kwargs.get("slug", "")),)
        self.blocked = frozenset(await parallel_db(blocked_id_set)(user=user))
        await self.join_access_groups(user)
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    async def _may_read(self) -> bool:
        post = await parallel_db(queries.post_for_viewer)(
            post_id=self.post_id, user=self.scope["user"]
        )
        return post is not None

    async def disconnect(self, code: int) -> None:
        await self.leave_groups(*self.groups_joined)
        await self.leave_access_groups()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None):
        return  # nothing is accepted from the browser on this socket

    async def post_published(self, event: dict) -> None:
        if event["data"]["author_id"] not in self.blocked:
            await self.send(text_data=event["html"])

    async def comment_posted(self, event: dict) -> None:
        if self.revoked or event["data"]["author_id"] in self.blocked:
            return
        await self.send(text_data=event["html"])
