from __future__ import annotations

import factory
from django.utils import timezone

from achievements.models import Achievement
from rooms.models import Participant
from stats.tests.factories import RoomFactory


class AchievementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Achievement

    slug = factory.Sequence(lambda n: f"test-achievement-{n}")
    name = factory.Sequence(lambda n: f"Test achievement {n}")
    description = "A test achievement."
    icon = "🏅"
    category = Achievement.Category.SESSIONS
    points = 10
    requirement_type = Achievement.Requirement.WORK_SESSIONS
    requirement_value = 1


class ParticipantFactory(factory.django.DjangoModelFactory):
    """A room membership (it is what 'rooms joined' counts)."""

    class Meta:
        model = Participant

    room = factory.SubFactory(RoomFactory)
    joined_at = factory.LazyFunction(timezone.now)
