"""The scheduler's passes: a session starts its room's timer, reminders leave, once each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.tests.factories import UserFactory
from messaging.models import Notification
from rooms import services as room_services
from rooms.tests.factories import RoomFactory
from scheduling import runner
from scheduling.models import NO_SHOW_GRACE, Booking, ScheduledSession, SchedulePreferences
from scheduling.tests.factories import BookingFactory, ScheduledSessionFactory
from stats.models import SessionHistory
from timers import scheduler
from timers import services as timer_services
from timers.models import Timer

pytestmark = pytest.mark.django_db


def _due_session(room=None, *, ago: timedelta = timedelta(seconds=1), **fields):
    starts_at = fields.pop("starts_at", timezone.now() - ago)
    return ScheduledSessionFactory(
        **({"room": room} if room else {}),
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=fields.get("work_minutes") or 25),
        **fields,
    )


def _timer(session) -> Timer:
    return Timer.objects.select_related("room").get(room_id=session.room_id)


# --- Starts ----------------------------------------------------------------------


def test_a_due_session_starts_its_rooms_timer_for_its_length(room):
    session = _due_session(room, work_minutes=50)
    now = timezone.now()

    assert runner.sessions_start_due(now=now) == 1

    timer = _timer(session)
    assert (timer.status, timer.phase, timer.version) == ("running", "work", 1)
    assert timer.ends_at == now + timedelta(minutes=50)  # the room's own phase is 25
    assert timer.settings.work_seconds == 50 * 60
    session.refresh_from_db()
    assert session.started_at == now


def test_a_started_session_is_never_started_again(room):
    session = _due_session(room)
    runner.sessions_start_due()

    assert runner.sessions_start_due() == 0
    assert runner.sessions_start_due(now=timezone.now() + timedelta(minutes=1)) == 0

    assert _timer(session).version == 1


def test_a_session_of_the_rooms_own_phases_runs_the_rooms_work_length(room):
    session = _due_session(room, work_minutes=None)
    now = timezone.now()

    runner.sessions_start_due(now=now)

    timer = _timer(session)
    assert timer.ends_at == now + timedelta(minutes=room.work_minutes)
    assert timer.scheduled_work_seconds is None


def test_a_session_joins_a_timer_already_running_without_resetting_it(room, alice):
    timer_services.timer_command(room=room, by=alice, action="start")
    before = _timer(ScheduledSession(room=room))
    session = _due_session(room, work_minutes=75)

    assert runner.sessions_start_due() == 1

    timer = _timer(session)
    assert (timer.status, timer.version, timer.ends_at) == ("running", 1, before.ends_at)
    assert timer.scheduled_work_seconds is None  # the run keeps the room's length
    session.refresh_from_db()
    assert session.started_at is not None


def test_a_paused_timer_gives_way_to_the_sessions_work_phase(room, alice):
    timer_services.timer_command(room=room, by=alice, action="start")
    timer_services.timer_command(room=room, by=alice, action="pause")
    session = _due_session(room, work_minutes=25)

    runner.sessions_start_due()

    timer = _timer(session)
    assert (timer.status, timer.phase, timer.seq) == ("running", "work", 2)
    assert timer.note == ""  # "Paused by alice" no longer holds


def test_the_sessions_length_holds_for_its_one_work_phase_then_the_rooms_break(room):
    session = _due_session(room, work_minutes=50)
    start = timezone.now()
    runner.sessions_start_due(now=start)

    timer_services.timers_advance_due(now=start + timedelta(minutes=50, seconds=1))

    timer = _timer(session)
    assert timer.phase == "short_break"
    assert timer.settings.work_seconds == room.work_minutes * 60
    assert timer.ends_at is None or timer.ends_at == start + timedelta(
        minutes=50 + room.short_break_minutes
    )


def test_a_session_in_a_room_nobody_is_in_runs_and_ends_with_no_history():
    session = _due_session(RoomFactory(), work_minutes=25)
    start = timezone.now()
    runner.sessions_start_due(now=start)

    assert timer_services.timers_advance_due(now=start + timedelta(minutes=26)) == 1

    assert _timer(session).phase == "short_break"
    assert not SessionHistory.objects.filter(room_id=session.room_id).exists()


def test_a_closed_rooms_session_leaves_its_timer_alone(room, alice):
    room_services.room_close(room=room, by=alice)
    session = _due_session(room)

    assert runner.sessions_start_due() == 1

    assert _timer(session).status == "idle"


def test_a_cancelled_or_ended_session_does_not_start(room):
    cancelled = _due_session(room, cancelled_at=timezone.now())
    ended = _due_session(RoomFactory(), ago=timedelta(hours=2))

    assert runner.sessions_start_due() == 0
    assert _timer(cancelled).status == _timer(ended).status == "idle"


def test_ten_rooms_start_in_the_same_few_queries_as_one(django_assert_max_num_queries):
    sessions = [_due_session() for _ in range(10)]

    # sessions near their start to prepare, claim, timers locked, timers saved, sessions
    # stamped (+ savepoints)
    with django_assert_max_num_queries(9):
        assert runner.sessions_start_due() == 10

    assert Timer.objects.filter(room__in=[s.room_id for s in sessions], status="running").count()


# --- The scheduler wakes for the schedule ----------------------------------------------


def test_the_scheduler_pass_starts_due_sessions_and_wakes_for_the_next(room, monkeypatch):
    monkeypatch.setattr(scheduler, "close_old_connections", lambda: None)  # the test's own
    due = _due_session(room)
    later = ScheduledSessionFactory(starts_at=timezone.now() + timedelta(hours=2))

    done, next_deadline = scheduler._tick()

    assert done == 1
    assert _timer(due).status == "running"
    # its attendance marking comes before its timer's deadline and the later start
    assert next_deadline == due.starts_at + NO_SHOW_GRACE
    assert runner.next_start() == later.starts_at


def test_the_next_due_moment_is_the_earliest_start_reminder_or_marking(bob):
    starts_at = timezone.now() + timedelta(minutes=30)
    session = ScheduledSessionFactory(starts_at=starts_at)
    BookingFactory(session=session, user=bob)

    assert runner.next_due() == starts_at - timedelta(minutes=10)


# --- Reminders -------------------------------------------------------------------


def _booked(user, *, in_minutes: float, lead: int | None = None, **session_fields) -> Booking:
    if lead is not None:
        SchedulePreferences.objects.update_or_create(user=user, defaults={"reminder_minutes": lead})
    starts_at = timezone.now() + timedelta(minutes=in_minutes)
    session = ScheduledSessionFactory(starts_at=starts_at, **session_fields)
    return BookingFactory(session=session, user=user)


def test_a_reminder_reaches_the_bell_and_the_mailbox_once(bob):
    booking = _booked(bob, in_minutes=9)

    assert runner.reminders_send_due() == 1
    assert runner.reminders_send_due() == 0

    line = Notification.objects.get(user=bob)
    assert "Reminder" in line.text and line.url == booking.session.room.get_absolute_url()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [bob.email]
    booking.refresh_from_db()
    assert booking.reminded_at is not None and booking.reminder_emailed_at is not None


@pytest.mark.parametrize(
    ("lead", "in_minutes", "reminded"),
    [
        (None, 11, False),  # no preferences: 10 minutes before
        (None, 9, True),
        (0, 1, False),  # off
        (5, 6, False),
        (5, 4, True),
        (60, 61, False),
        (60, 59, True),
    ],
)
def test_the_reminder_lead_is_the_persons_setting(bob, lead, in_minutes, reminded):
    _booked(bob, in_minutes=in_minutes, lead=lead)

    assert runner.reminders_send_due() == int(reminded)
    assert Notification.objects.filter(user=bob).count() == int(reminded)
    assert len(mail.outbox) == int(reminded)


def test_no_reminder_for_a_cancelled_seat_session_or_one_already_begun(bob):
    seat = _booked(bob, in_minutes=5)
    Booking.objects.filter(pk=seat.pk).update(cancelled_at=timezone.now())
    _booked(bob, in_minutes=5, cancelled_at=timezone.now())
    _booked(bob, in_minutes=-1)

    assert runner.reminders_send_due() == 0
    assert runner.next_reminder() is None  # nothing it refuses keeps the scheduler awake


def test_the_email_says_the_time_in_the_persons_zone(alice):
    # 08:00 UTC in January is 09:00 in Berlin (alice's zone); organised from New York.
    starts_at = datetime(2027, 1, 15, 8, 0, tzinfo=UTC)
    session = ScheduledSessionFactory(
        starts_at=starts_at, title="Deep work <3", timezone="America/New_York"
    )
    BookingFactory(session=session, user=alice)

    assert runner.reminders_send_due(now=starts_at - timedelta(minutes=10)) == 1

    email = mail.outbox[0]
    assert email.subject == "Reminder: Deep work <3 at 09:00 (Europe/Berlin)"
    assert "starts at 09:00 on Friday 15 January (Europe/Berlin)" in email.body
    assert "03:00 in the organiser's zone (America/New_York)" in email.body
    assert "&lt;" not in email.body  # plain text, not HTML-escaped
    assert f"/rooms/{session.room_id}/" in email.body
    bell = Notification.objects.get(user=alice)
    assert "starts at 09:00 (in 10 min)" in bell.text


def test_an_email_task_run_again_does_not_mail_twice(bob):
    from scheduling.tasks import reminder_emails_send

    booking = _booked(bob, in_minutes=5)
    runner.reminders_send_due()

    assert reminder_emails_send.call([booking.pk]) == 0
    assert len(mail.outbox) == 1


def test_a_thousand_reminders_cost_the_same_few_queries(django_assert_max_num_queries):
    for _ in range(20):
        _booked(UserFactory(), in_minutes=5)

    # claim, stamp, one insert of the bell lines, the task (immediate in tests: 3 a mail)
    with django_assert_max_num_queries(6 + 20 * 4):
        assert runner.reminders_send_due() == 20
    assert Notification.objects.count() == 20
