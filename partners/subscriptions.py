"""What partner sessions do when something happens elsewhere."""

from __future__ import annotations

from focusmate.events import RoomClosed, UserDeactivated, subscriber
from partners.services import partner_bookings_end_for_ban, partner_room_closed


@subscriber(UserDeactivated)
def end_a_banned_persons_matches(event: UserDeactivated) -> None:
    """A moderator's ban ends the person's pending partner sessions; their partners are
    paired again (or told it stays theirs)."""
    partner_bookings_end_for_ban(user_id=event.user_id)


@subscriber(RoomClosed)
def pair_again_when_a_partner_room_closes(event: RoomClosed) -> None:
    """Its owner closed a partner room before the start: they cancelled; their partner
    waits again (and is paired at once if someone waits at that start)."""
    partner_room_closed(room_id=event.room_id)
