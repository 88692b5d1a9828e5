"""What partner sessions do when something happens elsewhere."""

from __future__ import annotations

from focusmate.events import UserDeactivated, subscriber
from partners.services import partner_bookings_end_for_ban


@subscriber(UserDeactivated)
def end_a_banned_persons_matches(event: UserDeactivated) -> None:
    """A moderator's ban ends the person's pending partner sessions; their partners are
    paired again (or told it stays theirs)."""
    partner_bookings_end_for_ban(user_id=event.user_id)
