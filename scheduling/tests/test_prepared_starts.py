"""Starts prepared ahead (timers/scheduled.py, scheduling/runner.py): the timer starts at
the session's instant from a state computed before it, unless something changed since."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from focusmate.events import TimerChanged, subscriber, subscribers_of
from rooms import services as room_services
from scheduling import runner
from scheduling.models import ScheduledSession
from scheduling.tests.factories import ScheduledSessionFactory
from timers import services as timer_services
from timers.models import Timer

pytestmark = pytest.mark.django_db

# Preparing needs PostgreSQL's version-guarded UPDATE; elsewhere every start goes the
# locked way, which the tests without this mark check on either backend.
prepares = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="NEEDS POSTGRESQL: starts are prepared only there (timers.scheduled)",
)


def _session(*, seconds_ahead: float = 5, **fields) -> ScheduledSession:
    starts_at = (timezone.now() + timedelta(seconds=seconds_ahead)).replace(microsecond=0)
    minutes = fields.get("work_minutes", 25) or 25
    return ScheduledSessionFactory(
        starts_at=starts_at, ends_at=starts_at + timedelta(minutes=minutes), **fields
    )


def _timer(session) -> Timer:
    return Timer.objects.select_related("room").get(room_id=session.room_id)


@pytest.fixture
def pushed(monkeypatch):
    """The rooms whose TimerChanged was delivered, in order."""
    rooms: list[int] = []

    def note(event: TimerChanged) -> None:
        rooms.append(event.room_id)

    subscriber(TimerChanged)(note)
    yield rooms
    from focusmate import events

    events._subscribers[TimerChanged].remove(note)
    assert note not in subscribers_of(TimerChanged)


@prepares
def test_a_prepared_start_runs_from_the_sessions_instant(
    pushed, django_capture_on_commit_callbacks
):
    session = _session(work_minutes=50)

    assert runner._prepare(timezone.now()) == 1
    assert _timer(session).status == "idle"  # prepared, nothing written

    at = session.starts_at + timedelta(milliseconds=300)
    with django_capture_on_commit_callbacks(execute=True):
        assert runner.sessions_start_due(now=at) == 1

    timer = _timer(session)
    assert (timer.status, timer.phase, timer.version) == ("running", "work", 1)
    assert timer.phase_started_at == session.starts_at
    assert timer.ends_at == session.starts_at + timedelta(minutes=50)
    assert ScheduledSession.objects.get(pk=session.pk).started_at == at
    assert pushed == [session.room_id]
    assert runner.sessions_start_due(now=at + timedelta(seconds=1)) == 0


def test_a_command_after_the_preparation_wins_and_the_session_joins_its_run(room, alice):
    session = _session(room=room)
    runner._prepare(timezone.now())
    pressed = timer_services.timer_command(room=room, by=alice, action="start")

    assert runner.sessions_start_due(now=session.starts_at + timedelta(seconds=1)) == 1

    timer = _timer(session)
    assert timer.version == pressed.version == 1  # nothing written over the press
    assert timer.phase_started_at == pressed.phase_started_at
    assert ScheduledSession.objects.get(pk=session.pk).started_at is not None


def test_a_rooms_new_work_length_after_the_preparation_is_the_one_started(room, alice):
    session = _session(room=room, work_minutes=None)
    runner._prepare(timezone.now())
    room_services.room_update(room=room, by=alice, work_minutes=40)
    at = session.starts_at + timedelta(seconds=1)

    assert runner.sessions_start_due(now=at) == 1

    timer = _timer(session)
    assert timer.status == "running"
    assert timer.ends_at == at + timedelta(minutes=40)  # the locked way, from `now`


def test_a_closed_rooms_prepared_start_is_not_written(room, alice):
    session = _session(room=room)
    runner._prepare(timezone.now())
    room_services.room_close(room=room, by=alice)
    closed_version = _timer(session).version

    runner.sessions_start_due(now=session.starts_at + timedelta(seconds=1))

    timer = _timer(session)
    assert (timer.status, timer.version) == ("idle", closed_version)


@prepares
def test_a_session_made_after_its_instant_was_prepared_starts_the_locked_way():
    first = _session()
    runner._prepare(timezone.now())
    late = ScheduledSessionFactory(starts_at=first.starts_at, ends_at=first.ends_at)

    assert runner.sessions_start_due(now=first.starts_at + timedelta(seconds=1)) == 2

    assert _timer(first).phase_started_at == first.starts_at
    assert _timer(late).status == "running"
    assert _timer(late).phase_started_at == first.starts_at + timedelta(seconds=1)


@prepares
def test_a_session_added_to_a_prepared_instant_is_prepared_on_the_next_pass():
    first = _session()
    runner._prepare(timezone.now())
    added = ScheduledSessionFactory(starts_at=first.starts_at, ends_at=first.ends_at)

    assert runner._prepare(timezone.now()) == 1
    assert runner._prepare(timezone.now()) == 0  # once

    assert runner.sessions_start_due(now=first.starts_at + timedelta(seconds=1)) == 2
    assert _timer(added).phase_started_at == _timer(first).phase_started_at == first.starts_at


@prepares
def test_the_scheduler_wakes_to_prepare_the_next_start():
    session = _session(seconds_ahead=3600)

    assert runner.next_due() == session.starts_at - runner.PREPARE_AHEAD
    runner._prepare(session.starts_at - runner.PREPARE_AHEAD + timedelta(seconds=1))
    assert runner.next_due() == session.starts_at


@prepares
def test_ten_prepared_rooms_start_in_the_same_few_queries_as_one(django_assert_max_num_queries):
    sessions = [_session() for _ in range(10)]
    runner._prepare(timezone.now())

    # prepare (nothing new), claim, timers written, sessions stamped, the locked batch's
    # claim (nothing left) (+ savepoints)
    with django_assert_max_num_queries(9):
        assert runner.sessions_start_due(now=sessions[0].starts_at) == 10

    assert Timer.objects.filter(version=1, status="running").count() == 10
