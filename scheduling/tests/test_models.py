"""The database holds the schedule's rules even when a service is bypassed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction

from scheduling.models import SessionSeries
from scheduling.tests.factories import BookingFactory, ScheduledSessionFactory

pytestmark = pytest.mark.django_db


def test_a_person_books_a_session_once(alice):
    booking = BookingFactory(user=alice)
    with pytest.raises(IntegrityError), transaction.atomic():
        BookingFactory(user=alice, session=booking.session)


@pytest.mark.parametrize("capacity", [0, 501])
def test_capacity_stays_in_range(capacity):
    with pytest.raises(IntegrityError), transaction.atomic():
        ScheduledSessionFactory(capacity=capacity)


def test_a_session_ends_after_it_starts():
    session = ScheduledSessionFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ScheduledSessionFactory(starts_at=session.starts_at, ends_at=session.starts_at)


def test_lengths_are_25_50_or_75_minutes_or_the_rooms_own():
    ScheduledSessionFactory(work_minutes=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        ScheduledSessionFactory(work_minutes=30)


def test_a_series_occurrence_exists_once_per_start(alice):
    first = ScheduledSessionFactory()
    series = SessionSeries.objects.create(
        room=first.room,
        organiser=first.organiser,
        timezone="Europe/Berlin",
        local_start=(first.starts_at + timedelta(hours=1)).time(),
        weekdays="135",
        count=4,
    )
    ScheduledSessionFactory(room=first.room, series=series, starts_at=first.starts_at)
    with pytest.raises(IntegrityError), transaction.atomic():
        ScheduledSessionFactory(room=first.room, series=series, starts_at=first.starts_at)


def test_a_series_has_an_end(alice):
    session = ScheduledSessionFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        SessionSeries.objects.create(
            room=session.room,
            organiser=session.organiser,
            timezone="UTC",
            local_start=session.starts_at.time(),
            weekdays="1",
        )
