"""Dashboard fixtures: people focusing in rooms, as the socket layer and the timer make it."""

from __future__ import annotations

import pytest

from rooms import services as room_services
from timers.services import timer_command


def focusing(user, room, *, start: bool = True) -> None:
    """`user` is in `room` with a socket open (a fresh presence row) and, with `start`,
    the room's timer runs a work phase."""
    if user.pk != room.owner_id:
        room_services.room_join(room=room, user=user, token=room.invite_token)
    room_services.presence_write(process="tests", room_id=room.pk, here={user.pk})
    if start and room.timer.status != "running":
        timer_command(room=room, by=user, action="start")
        room.timer.refresh_from_db()


@pytest.fixture
def bobs_room(bob):
    """Bob's public room, Bob not yet online in it."""
    return room_services.room_create(owner=bob, name="Bob's <desk>")


@pytest.fixture
def bobs_private_room(bob):
    return room_services.room_create(owner=bob, name="Bob's hideout", is_public=False)
