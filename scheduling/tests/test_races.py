"""The last seats, decided under the session's row lock, on PostgreSQL with real threads."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone

from accounts.tests.factories import UserFactory
from rooms import services as room_services
from scheduling import bookings
from scheduling.models import Booking
from scheduling.tests.factories import ScheduledSessionFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="RACE TEST NEEDS POSTGRESQL: SQLite serialises writers, so the race cannot happen.",
    ),
]


def test_twenty_concurrent_bookings_take_exactly_the_capacity(alice):
    room = room_services.room_create(owner=alice, name="Popular")
    start = timezone.now().replace(second=0, microsecond=0) + timedelta(hours=2)
    session = ScheduledSessionFactory(
        room=room, starts_at=start - timedelta(minutes=start.minute % 15), capacity=5
    )
    people = UserFactory.create_batch(20)
    barrier = threading.Barrier(20)
    outcomes: list[str] = []

    def book(person) -> None:
        try:
            barrier.wait(timeout=10)
            bookings.booking_create(session=session, user=person)
            outcomes.append("booked")
        except ValidationError as error:
            outcomes.append(" ".join(error.messages))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=book, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(outcomes) == 20
    assert outcomes.count("booked") == 5
    assert outcomes.count("This session is full.") == 15
    assert Booking.objects.held().filter(session=session).count() == 5
