from __future__ import annotations

import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from rooms.models import Participant, Room
from timers.models import Timer


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room

    name = factory.Sequence(lambda n: f"Room {n}")
    owner = factory.SubFactory(UserFactory)

    @factory.post_generation
    def timer(self, create, extracted, **kwargs):
        if create:
            Timer.objects.get_or_create(room=self)


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant

    room = factory.SubFactory(RoomFactory)
    user = factory.SubFactory(UserFactory)
    joined_at = factory.LazyFunction(timezone.now)
