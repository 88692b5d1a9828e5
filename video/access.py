"""Who may signal whom: both people may be in the room's socket now.

It is the rule that opens and closes room sockets (`rooms.access.socket_membership`: an
active account with a present membership of an open room), read again for both people
on every frame, so that a call ends the moment either may no longer see the room. Read
for both in one query (a camera's page sends dozens of frames at once);
video/tests/test_access.py holds it equal to `socket_membership` for every persona.
"""

from __future__ import annotations

from rooms.models import Participant


def may_signal(*, room_id: int, sender, recipient_id: int) -> bool:
    """Whether `sender` may send a signalling frame to `recipient_id` in the room."""
    people = {sender.pk, recipient_id}
    allowed = (
        Participant.objects.present()
        .filter(
            room_id=room_id,
            room__is_active=True,
            user_id__in=people,
            user__is_active=True,
        )
        .count()
    )
    return allowed == len(people)
