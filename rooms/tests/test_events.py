"""Rooms and timers publish typed events: exactly once, after commit, never on rollback.

`published` records the events delivered after commit (their subscribers do not run
here); subscribers' effects are tested in test_subscriptions.py and the socket tests.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction

from accounts import services as account_services
from focusmate import events
from rooms import services
from rooms.tests.helpers import T0
from timers import services as timer_services

# The clock stops at T0 before the room exists, so its members joined before the phases.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


class Rollback(Exception):
    pass


def _start(room, bob):
    timer_services.timer_command(room=room, by=bob, action="start", now=T0)


def _advance(room, bob):
    _start(room, bob)
    timer_services.timer_advance(room_id=room.pk, now=T0 + timedelta(minutes=26))


# (what it does, setup before capturing, the action, the events it must publish in order)
CASES = {
    "timer command": (None, _start, [events.TimerChanged]),
    "phase ends on a look": (
        _start,
        lambda room, bob: timer_services.timer_advance(
            room_id=room.pk, now=T0 + timedelta(minutes=26)
        ),
        [events.SessionsRecorded, events.TimerChanged],
    ),
    "intention": (
        None,
        lambda room, bob: services.participant_set_intention(room=room, user=bob, intention="x"),
        [events.PeopleChanged],
    ),
    "join": (
        lambda room, bob: services.room_leave(room=room, user=bob),
        lambda room, bob: services.room_join(room=room, user=bob),
        [events.RoomJoined],
    ),
    "leave": (None, lambda room, bob: services.room_leave(room=room, user=bob), [events.RoomLeft]),
    "close": (
        None,
        lambda room, bob: services.room_close(room=room, by=room.owner),
        [events.TimerChanged, events.RoomClosed],
    ),
    "settings": (
        None,
        lambda room, bob: services.room_update(room=room, by=room.owner, work_minutes=30),
        [events.TimerChanged],
    ),
    "ban": (
        None,
        lambda room, bob: account_services.user_deactivate(user=bob, by=_staff()),
        [events.UserDeactivated],
    ),
}


def _staff():
    from accounts.tests.factories import UserFactory

    return UserFactory(username="staffer", is_staff=True)


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_each_service_publishes_its_events_once_after_commit(
    case, room, bob, published, django_capture_on_commit_callbacks
):
    setup, action, expected = CASES[case]
    if setup:
        with django_capture_on_commit_callbacks(execute=True):
            setup(room, bob)
    published.clear()

    with django_capture_on_commit_callbacks(execute=True):
        action(room, bob)
        assert published == []  # nothing before the commit

    assert [type(event) for event in published] == expected
    assert all(getattr(event, "room_id", room.pk) == room.pk for event in published)


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_a_rolled_back_service_publishes_nothing(
    case, room, bob, published, django_capture_on_commit_callbacks
):
    setup, action, _ = CASES[case]
    if setup:
        with django_capture_on_commit_callbacks(execute=True):
            setup(room, bob)
    published.clear()

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Rollback),
        transaction.atomic(),
    ):
        action(room, bob)
        raise Rollback

    assert published == []
    assert callbacks == []


def test_the_timer_event_carries_the_saved_state(
    room, bob, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        timer = timer_services.timer_command(room=room, by=bob, action="start", now=T0)

    (event,) = published
    assert event == events.TimerChanged(
        room_id=room.pk, version=timer.version, state=timer.state, settings=timer.settings
    )
    assert event.state.status == "running" and event.state.ends_at == T0 + timedelta(minutes=25)


def test_sessions_recorded_names_who_was_credited_with_work(
    room, alice, bob, published, django_capture_on_commit_callbacks
):
    _start(room, bob)
    with django_capture_on_commit_callbacks(execute=True):
        timer_services.timer_advance(room_id=room.pk, now=T0 + timedelta(minutes=26))

    recorded = next(e for e in published if isinstance(e, events.SessionsRecorded))
    assert recorded.user_ids == recorded.work_user_ids == frozenset({alice.pk, bob.pk})


def test_a_ban_takes_the_user_out_of_every_room(room, private_room, bob, deliver_at_once):
    services.room_join(room=private_room, user=bob, token=private_room.invite_token)

    account_services.user_deactivate(user=bob, by=_staff())

    assert not room.participants.present().filter(user=bob).exists()
    assert not private_room.participants.present().filter(user=bob).exists()


def test_the_timer_event_names_who_paused(room, bob, published, django_capture_on_commit_callbacks):
    _start(room, bob)
    with django_capture_on_commit_callbacks(execute=True):
        timer_services.timer_command(
            room=room, by=bob, action="pause", now=T0 + timedelta(minutes=1)
        )

    assert published[-1].note == "Paused by bob"
