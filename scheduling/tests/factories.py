from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from rooms.tests.factories import RoomFactory
from scheduling.models import Booking, ScheduledSession


def next_grid_start(*, hours: int = 1):
    """A start on the 15-minute grid, `hours` from now."""
    at = timezone.now().replace(second=0, microsecond=0) + timedelta(hours=hours)
    return at - timedelta(minutes=at.minute % 15)


class ScheduledSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScheduledSession

    room = factory.SubFactory(RoomFactory)
    organiser = factory.SelfAttribute("room.owner")
    starts_at = factory.LazyFunction(next_grid_start)
    work_minutes = 25
    ends_at = factory.LazyAttribute(lambda s: s.starts_at + timedelta(minutes=s.work_minutes or 25))
    capacity = 10
    timezone = "UTC"


class BookingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Booking

    session = factory.SubFactory(ScheduledSessionFactory)
    booked_at = factory.LazyFunction(timezone.now)
