"""The schedule's due work, done by the timer scheduler's passes (timers/scheduler.py).

Three passes, each a batch claimed with SKIP LOCKED and its fact set in the same
transaction, so two schedulers, a retry or a scheduler killed and restarted never do a
row twice, and a pass that died before its commit left nothing half done:

- starts: a session's start starts its room's timer (`timers_start_scheduled`) and sets
  `started_at`;
- reminders: a booking's reminder is due `reminder_minutes` before the start (the
  person's SchedulePreferences, DEFAULT_LEAD without one, 0 is off); the pass sets
  `reminded_at`, adds the bell line and queues the email as a task (a row in the same
  transaction: scheduling/tasks.py);
- attendance: at start + NO_SHOW_GRACE (scheduling/attendance.py).

Each costs the same few statements for one row or a thousand, and a batch is
BATCH rows: 10,000 sessions starting together are ten passes, one after another, with
the timers' own deadlines advanced in between (bench/schedule.py).

`register()` hands them to the scheduler (from SchedulingConfig.ready): timers cannot
import this app.
"""

from __future__ import annotations

import logging
import time
import zoneinfo
from datetime import UTC, datetime, timedelta, tzinfo

from django.db import connection, transaction
from django.db.models import (
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    Min,
    QuerySet,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from focusmate.lib import broadcast
from messaging.services import notify_each
from rooms.models import Room
from scheduling import attendance
from scheduling.models import REMINDER_CHOICES, Booking, ScheduledSession
from scheduling.services import series_extend
from scheduling.tasks import reminder_emails_send
from timers import scheduler as timer_scheduler
from timers.services import PUSH_BATCH, timers_start_scheduled

logger = logging.getLogger("focusmate.scheduler")

BATCH = 1000
# The lead when a person has no SchedulePreferences row (the model's default).
DEFAULT_LEAD = 10
# Reminders are looked for among sessions starting within the longest lead.
LONGEST_LEAD = timedelta(minutes=max(REMINDER_CHOICES))
ONE_MINUTE = timedelta(minutes=1)
# Weekly series are kept expanded weeks ahead: looking once in a while is plenty.
SERIES_EVERY_SECONDS = 600.0
_series_due_at = 0.0  # this process's next look (monotonic)


def _skip_locked(queryset: QuerySet) -> QuerySet:
    skip = connection.features.has_select_for_update_skip_locked
    return queryset.select_for_update(skip_locked=skip, of=("self",)) if skip else queryset


# --- Starts ----------------------------------------------------------------------


def sessions_start_due(*, now: datetime | None = None, limit: int = BATCH) -> int:
    """Starts the rooms' timers of sessions whose start has come; returns how many.

    A session whose room's timer is already running joins that run; a closed room's
    timer stays as it is. Either way `started_at` is set, once.
    """
    now = now or timezone.now()
    with broadcast.batched(size=PUSH_BATCH), transaction.atomic():
        due = list(
            _skip_locked(ScheduledSession.objects.due_to_start(now))
            .order_by("starts_at")
            .values_list("pk", "room_id", "work_minutes")[:limit]
        )
        if not due:
            return 0
        starts: dict[int, int | None] = {}
        for _, room_id, work_minutes in due:
            # Two sessions of one room due together (the later overlapping nothing): the
            # first one's length starts the timer, the other joins it.
            starts.setdefault(room_id, work_minutes * 60 if work_minutes else None)
        outcome = timers_start_scheduled(starts=starts, now=now)
        ScheduledSession.objects.filter(pk__in=[pk for pk, _, _ in due]).update(started_at=now)
    joined = sum(1 for result in outcome.values() if result != "started")
    logger.info("started %d scheduled session(s) (%d joined a run or closed)", len(due), joined)
    return len(due)


def next_start(*, now: datetime | None = None) -> datetime | None:
    now = now or timezone.now()
    return (
        ScheduledSession.objects.live()
        .filter(started_at__isnull=True, ends_at__gt=now)
        .order_by("starts_at")
        .values_list("starts_at", flat=True)
        .first()
    )


# --- Reminders -------------------------------------------------------------------


def _reminders_pending(now: datetime) -> QuerySet[Booking]:
    """Held seats not yet reminded, of sessions still to start within the longest lead,
    annotated with their `lead` (minutes) and `remind_at`. One filter for the claim and
    for the next wake-up, so that nothing the claim refuses keeps the scheduler awake.
    """
    return (
        Booking.objects.held()
        .filter(
            reminded_at__isnull=True,
            user__is_active=True,
            session__cancelled_at__isnull=True,
            session__started_at__isnull=True,
            session__starts_at__gt=now,
            session__starts_at__lte=now + LONGEST_LEAD,
        )
        .alias(lead=Coalesce("user__schedule_preferences__reminder_minutes", Value(DEFAULT_LEAD)))
        .filter(lead__gt=0)
        .alias(
            remind_at=ExpressionWrapper(
                F("session__starts_at")
                - ExpressionWrapper(F("lead") * Value(ONE_MINUTE), output_field=DurationField()),
                output_field=DateTimeField(),
            )
        )
    )


def reminder_text(*, title: str, starts_at: datetime, tz, now: datetime) -> str:
    """The bell's line: the start in the person's zone, and how soon."""
    minutes = max(1, round((starts_at - now).total_seconds() / 60))
    local = timezone.localtime(starts_at, tz)
    return f"Reminder: “{title}” starts at {local:%H:%M} (in {minutes} min)."


def reminders_send_due(*, now: datetime | None = None, limit: int = BATCH) -> int:
    """Reminds everyone whose reminder is due; returns how many.

    `reminded_at` is the claim: set in the transaction that adds the bell lines and
    queues the emails, on rows locked with SKIP LOCKED, so a reminder is sent once
    whatever runs beside it or dies in the middle (a rollback leaves it due).
    """
    now = now or timezone.now()
    # The bells' pushes leave after the commit a batch at a time, not a hop each.
    with broadcast.batched(size=PUSH_BATCH), transaction.atomic():
        due = list(
            _skip_locked(_reminders_pending(now).filter(remind_at__lte=now))
            .order_by("session__starts_at", "pk")
            .values_list(
                "pk",
                "user_id",
                "user__timezone",
                "session__starts_at",
                "session__title",
                "session__room_id",
                "session__room__name",
            )[:limit]
        )
        if not due:
            return 0
        ids = [row[0] for row in due]
        Booking.objects.filter(pk__in=ids).update(reminded_at=now)
        lines = []
        for _, user_id, tz_name, starts_at, title, room_id, room_name in due:
            text = reminder_text(
                title=title or room_name, starts_at=starts_at, tz=_zone(tz_name), now=now
            )
            lines.append((user_id, text, Room(pk=room_id).get_absolute_url()))
        notify_each(lines=lines, at=now)
        reminder_emails_send.enqueue(ids)
    logger.info("sent %d reminder(s)", len(ids))
    return len(ids)


def _zone(name: str) -> tzinfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        return UTC


def next_reminder(*, now: datetime | None = None) -> datetime | None:
    now = now or timezone.now()
    return _reminders_pending(now).annotate(at=F("remind_at")).aggregate(first=Min("at"))["first"]


# --- Together ---------------------------------------------------------------------


def next_due(*, now: datetime | None = None) -> datetime | None:
    """The earliest moment any of the three passes has something due."""
    now = now or timezone.now()
    moments = [
        next_start(now=now),
        next_reminder(now=now),
        attendance.next_marking(now=now),
    ]
    return min((at for at in moments if at is not None), default=None)


def series_extend_due(*, now: datetime | None = None) -> int:
    """Adds the next weeks' rows of weekly series (`series_extend`), at most once every
    SERIES_EVERY_SECONDS in this process; several schedulers doing it at once is safe."""
    global _series_due_at
    if time.monotonic() < _series_due_at:
        return 0
    _series_due_at = time.monotonic() + SERIES_EVERY_SECONDS
    return series_extend(now=now or timezone.now())


def run_due() -> int:
    """One batch of each pass, each as of its own reading of the clock (reminders first:
    they must leave before the start)."""
    done = reminders_send_due() + sessions_start_due() + attendance.attendance_mark_due()
    return done + series_extend_due()


def register() -> None:
    timer_scheduler.register_due_work(name="scheduling", run=run_due, next_due=next_due)
