"""Races between real concurrent transactions (threads with their own connections).

On PostgreSQL (CI) the row locks and SKIP LOCKED are what keep these right; on SQLite
the database serialises writers, so the same assertions hold for a different reason.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from accounts.tests.factories import UserFactory
from rooms import services as room_services
from rooms.models import Participant
from stats.models import SessionHistory
from timers import services
from timers.models import Timer

pytestmark = pytest.mark.django_db(transaction=True)


def _race(*calls):
    """Runs the calls at the same moment in threads; returns each result or exception."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_two_concurrent_starts_give_one_consistent_state(room, alice, bob):
    results = _race(
        lambda: services.timer_command(room=room, by=alice, action="start"),
        lambda: services.timer_command(room=room, by=bob, action="start"),
    )

    successes = [r for r in results if not isinstance(r, Exception)]
    failures = [r for r in results if isinstance(r, Exception)]
    assert len(successes) == 1
    assert len(failures) == 1 and isinstance(failures[0], ValidationError)
    timer = Timer.objects.get(room=room)
    assert (timer.status, timer.version) == ("running", 1)
    assert timer.ends_at == successes[0].ends_at


def test_scheduler_and_command_racing_record_each_phase_exactly_once(room, alice, bob):
    started = timezone.now() - timedelta(minutes=26)
    Timer.objects.filter(room=room).update(
        status="running",
        phase="work",
        ends_at=started + timedelta(minutes=25),
        phase_started_at=started,
    )
    Participant.objects.filter(room=room).update(joined_at=started - timedelta(minutes=1))

    results = _race(
        lambda: services.timers_advance_due(),
        lambda: services.timer_command(room=room, by=bob, action="pause"),
        lambda: services.timers_advance_due(),
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    rows = SessionHistory.objects.filter(room=room)
    assert sorted(rows.values_list("user__username", "seq")) == [("alice", 1), ("bob", 1)]
    timer = Timer.objects.get(room=room)
    assert (timer.phase, timer.status) == ("short_break", "paused")


def test_concurrent_joins_never_overfill_a_room(alice):
    room = room_services.room_create(owner=alice, name="Small", max_participants=3)
    joiners = UserFactory.create_batch(5)

    results = _race(
        *[lambda user=user: room_services.room_join(room=room, user=user) for user in joiners]
    )

    refused = [r for r in results if isinstance(r, ValidationError)]
    assert Participant.objects.present().filter(room=room).count() == 3
    assert len(refused) == 3


def test_schedulers_racing_over_a_class_of_rooms_record_each_phase_exactly_once(alice, bob):
    started = timezone.now() - timedelta(minutes=26)
    rooms = []
    for number in range(8):  # room_create allows 10 an hour
        room = room_services.room_create(owner=alice, name=f"Class {number}")
        room_services.room_join(room=room, user=bob)
        rooms.append(room)
    Timer.objects.filter(room__in=rooms).update(
        status="running",
        phase="work",
        ends_at=started + timedelta(minutes=25),
        phase_started_at=started,
        version=1,
    )
    Participant.objects.filter(room__in=rooms).update(joined_at=started - timedelta(minutes=1))

    results = _race(*[lambda: services.timers_advance_due() for _ in range(3)])

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(results) == len(rooms)  # each timer advanced by exactly one of them
    rows = SessionHistory.objects.filter(room__in=rooms)
    assert sorted(rows.values_list("room_id", "user__username", "seq")) == sorted(
        (room.pk, name, 1) for room in rooms for name in ("alice", "bob")
    )
    timers = Timer.objects.filter(room__in=rooms)
    assert {(t.phase, t.seq, t.version) for t in timers} == {("short_break", 2, 2)}
