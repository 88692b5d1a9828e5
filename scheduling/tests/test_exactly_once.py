"""Exactly once, on PostgreSQL: two schedulers at the same moment, and a scheduler killed
in the middle of a pass (kill -9 of `manage.py runtimers`) and started again, start each
session once and remind each person once."""

from __future__ import annotations

import re
import threading
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.tests.factories import UserFactory
from conftest import LiveSite
from messaging.models import Notification
from scheduling import runner
from scheduling.models import Booking, ScheduledSession
from scheduling.tests.factories import BookingFactory, ScheduledSessionFactory
from timers.models import Timer

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="NEEDS POSTGRESQL: SKIP LOCKED and a scheduler held by a table lock; SQLite "
        "serialises writers, so these races cannot happen there.",
    ),
]

SESSIONS = 30


def _due_sessions(count: int) -> list[ScheduledSession]:
    starts_at = timezone.now() - timedelta(seconds=1)
    return [
        ScheduledSessionFactory(starts_at=starts_at, ends_at=starts_at + timedelta(minutes=25))
        for _ in range(count)
    ]


def _bookings_to_remind(count: int) -> list[Booking]:
    starts_at = timezone.now() + timedelta(minutes=20)
    session = ScheduledSessionFactory(starts_at=starts_at, capacity=count)
    return [
        BookingFactory(
            session=session,
            user=UserFactory(),
            # The seats of a session in 20 minutes, each person with a 30-minute lead.
        )
        for _ in range(count)
    ]


def _leads(bookings, minutes: int) -> None:
    from scheduling.models import SchedulePreferences

    # Every account has its row from its creation (scheduling.subscriptions).
    SchedulePreferences.objects.filter(user_id__in=[b.user_id for b in bookings]).update(
        reminder_minutes=minutes
    )


def _two_schedulers_at_once(work) -> list[int]:
    """Runs `work` in a loop in two threads (each its own connection) from the same
    instant until neither finds anything; returns how many each did."""
    barrier = threading.Barrier(2)
    done = [0, 0]
    errors: list[Exception] = []

    def scheduler(index: int) -> None:
        try:
            barrier.wait()
            while (batch := work()) > 0:
                done[index] += batch
        except Exception as error:  # pragma: no cover - shown by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=scheduler, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return done


def test_two_schedulers_at_once_start_each_session_once():
    sessions = _due_sessions(SESSIONS)

    done = _two_schedulers_at_once(lambda: runner.sessions_start_due(limit=4))

    assert sum(done) == SESSIONS
    timers = Timer.objects.filter(room_id__in=[s.room_id for s in sessions])
    assert sorted(timers.values_list("status", "version").distinct()) == [("running", 1)]
    assert ScheduledSession.objects.filter(started_at__isnull=True).count() == 0


def test_two_schedulers_at_once_remind_each_person_once():
    bookings = _bookings_to_remind(SESSIONS)
    _leads(bookings, 30)

    done = _two_schedulers_at_once(lambda: runner.reminders_send_due(limit=4))

    assert sum(done) == SESSIONS
    assert Notification.objects.count() == SESSIONS
    assert sorted(n.user_id for n in Notification.objects.all()) == sorted(
        b.user_id for b in bookings
    )
    assert len(mail.outbox) == SESSIONS
    assert len({message.to[0] for message in mail.outbox}) == SESSIONS


def _wait_for(condition, *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _waiting_queries() -> list[str]:
    with connection.cursor() as cursor:
        # Read inside the test's transaction, the statistics are a snapshot taken once.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT query FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND datname = current_database()"
        )
        return [row[0] for row in cursor.fetchall()]


def _blocked_inserting_notifications() -> bool:
    return any('INSERT INTO "messaging_notification"' in q for q in _waiting_queries())


def _scheduler_killed_inside(table: str, blocked, *, env: dict) -> None:
    """Starts a `runtimers` process with `table` locked, waits until its pass is blocked
    on it (`blocked()`), inside its transaction, and kills it (SIGKILL: no handler, no
    clean-up): whatever that pass had claimed must die with it."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
        first = LiveSite(env, command=("runtimers",), wait=False)
        try:
            _wait_for(
                blocked,
                seconds=60,
                what=f"the scheduler to block on {table} (log: {first.log_path}, "
                f"waiting: {_waiting_queries()})",
            )
            first.process.kill()
            first.process.wait(timeout=10)
        finally:
            first.stop()


def test_a_scheduler_killed_mid_pass_and_two_restarted_do_everything_once():
    """The first scheduler claims the reminders and is held before its commit (a lock on
    the bell's table), then killed: its claim dies with it. Two schedulers started
    afterwards side by side start every session and remind every person, once."""
    sessions = _due_sessions(SESSIONS)
    bookings = _bookings_to_remind(SESSIONS)
    _leads(bookings, 30)
    scheduler_env = {"TIMER_SYNC_SECONDS": "1", "TASK_WORKER_IN_PROCESS": "false"}

    _scheduler_killed_inside(
        "messaging_notification", _blocked_inserting_notifications, env=scheduler_env
    )

    # Nothing it claimed stuck: no reminder is marked sent, no task is queued.
    assert Booking.objects.filter(reminded_at__isnull=False).count() == 0
    assert DBTaskResult.objects.count() == 0

    restarted = [LiveSite(scheduler_env, command=("runtimers",), wait=False) for _ in range(2)]
    try:
        _wait_for(
            lambda: (
                ScheduledSession.objects.filter(
                    started_at__isnull=True, pk__in=[s.pk for s in sessions]
                ).count()
                == 0
                and Booking.objects.filter(reminded_at__isnull=True).count() == 0
            ),
            seconds=60,
            what=f"the restarted schedulers (logs: {[s.log_path for s in restarted]})",
        )
        time.sleep(1.0)  # a double would come now
    finally:
        for site in restarted:
            site.stop()

    timers = Timer.objects.filter(room_id__in=[s.room_id for s in sessions])
    assert sorted(timers.values_list("status", "version").distinct()) == [("running", 1)]
    assert Notification.objects.count() == SESSIONS
    assert Notification.objects.values("user_id").distinct().count() == SESSIONS
    # The emails were queued once each, in the claims' transactions ...
    queued = [
        booking_id
        for task in DBTaskResult.objects.all()
        for booking_id in task.args_kwargs["args"][0]
    ]
    assert sorted(queued) == sorted(b.pk for b in bookings)
    # ... and a task worker (killed or not, see focusmate/tests/test_worker.py) sends each.
    worker = LiveSite(None, command=("runtasks", "--once"), wait=False)
    try:
        assert worker.process.wait(timeout=60) == 0, worker.log_path.read_text()
        log = worker.log_path.read_text()
    finally:
        worker.stop()
    assert len(re.findall(r"^Subject: Reminder: ", log, flags=re.MULTILINE)) == SESSIONS
    assert Booking.objects.filter(reminder_emailed_at__isnull=True).count() == 0


def test_two_schedulers_prepare_ahead_and_start_each_session_once_at_its_instant():
    """Two `runtimers` processes each prepare the coming start (scheduling.runner's
    PREPARE_AHEAD) and race for it at its instant: each session starts once, from the
    state prepared (its phase begins at the session's instant, not at a pass's clock)."""
    scheduler_env = {"TIMER_SYNC_SECONDS": "1", "TASK_WORKER_IN_PROCESS": "false"}
    schedulers = [LiveSite(scheduler_env, command=("runtimers",), wait=False) for _ in range(2)]
    try:
        for site in schedulers:
            _wait_for(
                lambda site=site: "timer scheduler started" in site.log_path.read_text(),
                seconds=60,
                what=f"a scheduler to start (log: {site.log_path})",
            )
        starts_at = (timezone.now() + timedelta(seconds=6)).replace(microsecond=0)
        with transaction.atomic():  # all of them at once, as a crowd's week is by then
            sessions = [
                ScheduledSessionFactory(
                    starts_at=starts_at, ends_at=starts_at + timedelta(minutes=25)
                )
                for _ in range(SESSIONS)
            ]
        # A session saved to start soon wakes the schedulers (scheduling.subscriptions).
        _wait_for(
            lambda: not ScheduledSession.objects.filter(started_at__isnull=True).exists(),
            seconds=30,
            what=f"the sessions to start (logs: {[s.log_path for s in schedulers]})",
        )
        time.sleep(1.0)  # a double would come now
    finally:
        for site in schedulers:
            site.stop()

    timers = Timer.objects.filter(room_id__in=[s.room_id for s in sessions])
    assert sorted(timers.values_list("status", "version").distinct()) == [("running", 1)]
    assert set(timers.values_list("phase_started_at", flat=True)) == {starts_at}
    logs = "".join(site.log_path.read_text() for site in schedulers)
    assert sum(map(int, re.findall(r"started (\d+) prepared scheduled", logs))) == SESSIONS
