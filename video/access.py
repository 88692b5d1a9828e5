"""Who may signal whom: both people may be in the room's socket now.

It is the rule that opens and closes room sockets (`rooms.access.socket_membership`:
an active account, a present membership of an open room), read again for both people
on every frame, so that a call ends the moment either may no longer see the room.
"""

from __future__ import annotations

from accounts.queries import active_user
from rooms.access import socket_membership


def may_signal(*, room_id: int, sender, recipient_id: int) -> bool:
    """Whether `sender` may send a signalling frame to `recipient_id` in the room."""
    if recipient_id == sender.pk:
        people = [active_user(sender.pk)]
    else:
        people = [active_user(sender.pk), active_user(recipient_id)]
    return all(
        person is not None and socket_membership(room_id=room_id, user=person) is not None
        for person in people
    )
