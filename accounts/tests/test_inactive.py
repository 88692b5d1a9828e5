"""Every service that acts for a person refuses a banned (inactive) one."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from accounts import services as account_services
from accounts.tests.factories import UserFactory
from moderation import services as moderation_services
from rooms import services as room_services
from timers import services as timer_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def banned(room):
    """A member of Alice's room, with a room of their own, then banned."""
    user = UserFactory(username="banned")
    room_services.room_join(room=room, user=user)
    user.own_room = room_services.room_create(owner=user, name="Theirs")
    user.is_active = False
    return user


ACTIONS = {
    "create a room": lambda banned, room: room_services.room_create(owner=banned, name="x"),
    "join": lambda banned, room: room_services.room_join(room=room, user=banned),
    "intention": lambda banned, room: room_services.participant_set_intention(
        room=room, user=banned, intention="x"
    ),
    "solo room": lambda banned, room: room_services.solo_room_for(user=banned),
    "timer": lambda banned, room: timer_services.timer_command(
        room=room, by=banned, action="start"
    ),
    "edit own room": lambda banned, room: room_services.room_update(
        room=banned.own_room, by=banned, name="y"
    ),
    "close own room": lambda banned, room: room_services.room_close(
        room=banned.own_room, by=banned
    ),
    "profile": lambda banned, room: account_services.profile_update(
        user=banned, by=banned, bio="x", timezone="UTC", stats_public=True, on_leaderboard=False
    ),
    "block": lambda banned, room: account_services.user_block(by=banned, user=room.owner),
    "report": lambda banned, room: moderation_services.report_create(
        by=banned, target=room.owner, reason="spam"
    ),
}


@pytest.mark.parametrize("action", ACTIONS, ids=list(ACTIONS))
def test_a_banned_user_can_do_nothing(banned, room, action):
    with pytest.raises(PermissionDenied):
        ACTIONS[action](banned, room)
