"""Attendance: marked once at start + 5 minutes, from arrivals and presence."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from rooms import services as room_services
from rooms.models import Presence
from scheduling import attendance
from scheduling.models import NO_SHOW_GRACE, Booking
from scheduling.tests.factories import BookingFactory, ScheduledSessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(room):
    """Alice's room's session that began six minutes ago: its marking is due."""
    starts_at = timezone.now() - timedelta(minutes=6)
    return ScheduledSessionFactory(
        room=room, starts_at=starts_at, ends_at=starts_at + timedelta(minutes=25)
    )


def _attended(booking) -> bool | None:
    booking.refresh_from_db()
    return booking.attended


def test_it_marks_who_came_and_who_did_not_once(session, deliver_at_once):
    arrived, online, absent, cancelled = (UserFactory() for _ in range(4))
    seats = {user: BookingFactory(session=session, user=user) for user in (arrived, online, absent)}
    dropped = BookingFactory(session=session, user=cancelled, cancelled_at=timezone.now())
    # One opened the room a minute after the start (and has closed it since) ...
    room_services.presence_write(process="p1", room_id=session.room_id, here=[arrived.pk])
    Booking.objects.filter(pk=seats[arrived].pk).update(
        arrived_at=session.starts_at + timedelta(minutes=1)
    )
    room_services.presence_write(process="p1", room_id=session.room_id, gone=[arrived.pk])
    # ... one has had it open since before (no arrival in the window, a fresh row now).
    Presence.objects.create(process="p2", room=session.room, user=online, seen_at=timezone.now())

    assert attendance.attendance_mark_due() == 1
    assert attendance.attendance_mark_due() == 0

    assert _attended(seats[arrived]) is True
    assert _attended(seats[online]) is True
    assert _attended(seats[absent]) is False
    assert _attended(dropped) is None
    session.refresh_from_db()
    assert session.attendance_marked_at is not None


def test_an_arrival_in_the_window_is_recorded_as_the_socket_opens(room, bob, deliver_at_once):
    session = ScheduledSessionFactory(room=room, starts_at=timezone.now() - timedelta(minutes=4))
    seat = BookingFactory(session=session, user=bob)

    room_services.presence_write(process="p1", room_id=session.room_id, here=[bob.pk])

    seat.refresh_from_db()
    assert seat.arrived_at is not None


def test_an_arrival_long_before_or_after_the_start_is_not(room, bob, deliver_at_once):
    now = timezone.now()
    early = BookingFactory(
        session=ScheduledSessionFactory(room=room, starts_at=now + timedelta(minutes=30)),
        user=bob,
    )
    late = BookingFactory(
        session=ScheduledSessionFactory(
            room=room,
            starts_at=now - timedelta(minutes=6),
            ends_at=now + timedelta(minutes=19),
        ),
        user=bob,
    )

    room_services.presence_write(process="p1", room_id=room.pk, here=[bob.pk])

    early.refresh_from_db()
    late.refresh_from_db()
    assert early.arrived_at is None and late.arrived_at is None


def test_a_session_is_marked_only_five_minutes_after_its_start(room, bob):
    starts_at = timezone.now() - timedelta(minutes=4)
    session = ScheduledSessionFactory(room=room, starts_at=starts_at)
    BookingFactory(session=session, user=bob)

    assert attendance.attendance_mark_due() == 0
    assert attendance.next_marking() == starts_at + NO_SHOW_GRACE
    assert attendance.attendance_mark_due(now=starts_at + NO_SHOW_GRACE) == 1


def test_a_persons_record_counts_their_last_twenty_marked_sessions(bob):
    now = timezone.now()
    for days in range(25):  # the five oldest were attended, the last twenty half of them
        session = ScheduledSessionFactory(starts_at=now - timedelta(days=days + 1))
        BookingFactory(session=session, user=bob, attended=days >= 20 or days % 2 == 0)
    BookingFactory(user=bob)  # upcoming: not marked yet

    record = attendance.attendance_record(user=bob)

    assert (record.attended, record.booked, record.missed) == (10, 20, 10)
