"""Open sockets follow access as it changes: a ban or a logout closes them at once."""

from __future__ import annotations

from focusmate.events import UserDeactivated, UserLoggedOut, subscriber
from focusmate.lib import broadcast
from focusmate.lib.sockets import access_group, session_group


@subscriber(UserDeactivated)
def close_banned_sockets(event: UserDeactivated) -> None:
    broadcast.send_now(access_group(event.user_id), {"type": "access.revoked"})


@subscriber(UserLoggedOut)
def close_session_sockets(event: UserLoggedOut) -> None:
    broadcast.send_now(session_group(event.session_key), {"type": "access.revoked"})
