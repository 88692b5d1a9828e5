"""What every socket of the site shares: close codes, the error toast, and following
access as it changes.

Each socket joins two access groups besides its feature's groups: one for its user (a
ban, a room left) and one for the login session it was opened with (a logout). The
subscribers in focusmate/subscriptions.py send to them; `AccessControlled` closes or
detaches the socket at once.
"""

from __future__ import annotations

import functools
import hashlib

from channels.db import database_sync_to_async
from django.utils.html import escape

# Close codes the browser can read (4000-4999 are the application's).
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403


# Database work a socket can do beside others (reads, and writes that need no order with
# them): on a pool of threads, each with its own kept connection, instead of Channels'
# one thread. A crowd connecting at once otherwise waits on every query's round trip
# in turn (a quarter of a storm's server time went to waiting on PostgreSQL).
parallel_db = functools.partial(database_sync_to_async, thread_sensitive=False)


def access_group(user_id: int) -> str:
    return f"access.user.{user_id}"


def session_group(session_key: str) -> str:
    # Hashed: a session key is a credential, and group names are visible in Redis.
    digest = hashlib.sha256(session_key.encode()).hexdigest()[:40]
    return f"access.session.{digest}"


def error_toast(text: str) -> str:
    """An out-of-band toast for the htmx ws extension; `text` is escaped."""
    return (
        '<div id="toasts" hx-swap-oob="beforeend">'
        f'<div class="toast toast-error" role="alert">{escape(text)}</div></div>'
    )


class AccessControlled:
    """A mixin for AsyncWebsocketConsumer: closes the socket when its access ends."""

    access_groups: list[str] = []
    revoked = False

    async def join_access_groups(self, user) -> None:
        groups = [access_group(user.pk)]
        session_key = getattr(self.scope.get("session"), "session_key", None)
        if session_key:
            groups.append(session_group(session_key))
        self.access_groups = groups
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)

    async def leave_access_groups(self) -> None:
        for group in self.access_groups:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def access_revoked(self, event: dict) -> None:
        """A ban or a logout: nothing more goes either way on this socket."""
        self.revoked = True
        await self.close(code=CLOSE_UNAUTHENTICATED)

    async def room_left(self, event: dict) -> None:
        """The user left a room; only a socket of that room minds (see RoomConsumer)."""
