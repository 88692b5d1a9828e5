from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from rooms.tests.factories import RoomFactory
from stats.models import SessionHistory


class SessionHistoryFactory(factory.django.DjangoModelFactory):
    """A completed phase; pass `ended_at` (aware) and the start follows from the length."""

    class Meta:
        model = SessionHistory

    user = factory.SubFactory(UserFactory)
    room = factory.SubFactory(RoomFactory)
    kind = SessionHistory.Kind.WORK
    seq = factory.Sequence(lambda n: n + 1)
    seconds_credited = 25 * 60
    ended_at = factory.LazyFunction(timezone.now)
    started_at = factory.LazyAttribute(
        lambda row: row.ended_at - timedelta(seconds=row.seconds_credited)
    )
