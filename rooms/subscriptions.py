"""The room socket's renderer: each event becomes one group message, rendered once.

Every message carries `html` for the pages (out-of-band swaps) and `data`, the same
state as JSON, for sockets that are not a page.
"""

from __future__ import annotations

from accounts.models import User
from focusmate.events import (
    CheckedOut,
    PeopleChanged,
    RoomClosed,
    RoomJoined,
    RoomLeft,
    TimerChanged,
    UserDeactivated,
    subscriber,
)
from focusmate.lib import broadcast
from focusmate.lib.sockets import access_group
from rooms.models import Room
from rooms.rendering import (
    ROOM_CLOSED_HTML,
    render_people_changes,
    render_person_joined,
)
from rooms.services import participations_end
from timers.rendering import timer_data, timer_view


def _send(room_id: int, event_type: str, *, html: str, data: dict) -> None:
    broadcast.send_now(
        broadcast.room_group(room_id), broadcast.message(event_type, html=html, data=data)
    )


@subscriber(TimerChanged)
def push_timer(event: TimerChanged) -> None:
    view = timer_view(event)  # as of the event's instant; the button's answer reuses it
    _send(event.room_id, "timer.changed", html=view.html(oob=True), data=timer_data(view))


@subscriber(PeopleChanged)
def push_people(event: PeopleChanged) -> None:
    room = Room.objects.filter(pk=event.room_id).first()
    if room is not None:
        rendered = render_people_changes(room, user_ids=event.user_ids)
        _send(room.pk, "people.changed", html=rendered.html, data=rendered.data)


@subscriber(CheckedOut)
def push_check_out(event: CheckedOut) -> None:
    """A check-out the person shows to the room changes their ✓: the same push as any
    change of theirs. One they keep to themselves changes nothing the room sees."""
    if event.shown:
        push_people(PeopleChanged(room_id=event.room_id, user_ids=frozenset({event.user_id})))


@subscriber(RoomJoined)
def push_newcomer(event: RoomJoined) -> None:
    room = Room.objects.filter(pk=event.room_id).first()
    rendered = render_person_joined(room, user_id=event.user_id) if room else None
    if rendered is not None:
        _send(room.pk, "people.changed", html=rendered.html, data=rendered.data)


@subscriber(RoomLeft)
def push_departure(event: RoomLeft) -> None:
    """Everyone's list drops the person; that person's sockets in the room stop at once."""
    broadcast.send_now(access_group(event.user_id), {"type": "room.left", "room_id": event.room_id})
    push_people(PeopleChanged(room_id=event.room_id, user_ids=frozenset({event.user_id})))


@subscriber(RoomClosed)
def push_closed(event: RoomClosed) -> None:
    _send(event.room_id, "room.closed", html=ROOM_CLOSED_HTML, data={"room_id": event.room_id})


@subscriber(UserDeactivated)
def remove_banned_user(event: UserDeactivated) -> None:
    user = User.objects.filter(pk=event.user_id).first()
    if user is not None:
        participations_end(user=user)
