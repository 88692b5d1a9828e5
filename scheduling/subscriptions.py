"""What the schedule does when something happens elsewhere."""

from __future__ import annotations

from focusmate.events import RoomClosed, subscriber
from scheduling.services import room_sessions_cancel


@subscriber(RoomClosed)
def cancel_a_closed_rooms_sessions(event: RoomClosed) -> None:
    room_sessions_cancel(room_id=event.room_id)
