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
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, tzinfo

from django.db import connection, transaction
from django.db.models import (
    Min,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from focusmate.events import TimerChanged, publish_on_commit
from focusmate.lib import broadcast
from messaging.services import notify_each
from rooms.models import Room
from scheduling import attendance
from scheduling.models import REMINDER_CHOICES, Booking, ScheduledSession
from scheduling.services import series_extend
from scheduling.tasks import reminder_emails_send
from timers import scheduler as timer_scheduler
from timers.scheduled import (
    STARTED,
    PreparedStarts,
    timers_apply_prepared,
    timers_prepare_scheduled,
    timers_start_scheduled,
)
from timers.services import PUSH_BATCH

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
    timer stays as it is. Either way `started_at` is set, once. Sessions near their start
    are prepared first (`_prepare`); at the start those prepared go in one transaction
    (`_start_prepared`), the rest in batches of `limit` under the timers' locks.
    """
    now = now or timezone.now()
    _prepare(now)
    started = _start_prepared(now)
    with broadcast.batched(size=PUSH_BATCH), transaction.atomic():
        due = list(
            _skip_locked(ScheduledSession.objects.due_to_start(now))
            .order_by("starts_at")
            .values_list("pk", "room_id", "work_minutes")[:limit]
        )
        if due:
            _start_locked(due, now=now)
    return started + len(due)


def _start_locked(due: list[tuple[int, int, int | None]], *, now: datetime) -> None:
    starts: dict[int, int | None] = {}
    for _, room_id, work_minutes in due:
        # Two sessions of one room due together (the later overlapping nothing): the
        # first one's length starts the timer, the other joins it.
        starts.setdefault(room_id, work_minutes * 60 if work_minutes else None)
    outcome = timers_start_scheduled(starts=starts, now=now)
    _stamp_started([pk for pk, _, _ in due], now=now)
    joined = sum(1 for result in outcome.values() if result != STARTED)
    logger.info("started %d scheduled session(s) (%d joined a run or closed)", len(due), joined)


def _stamp_started(pks: list[int], *, now: datetime) -> None:
    """Sets `started_at`. On PostgreSQL the keys go as one array (`= ANY`): as ten
    thousand `IN` parameters, psycopg's parsing of them took a quarter of a second."""
    if connection.vendor != "postgresql":
        ScheduledSession.objects.filter(pk__in=pks).update(started_at=now)
        return
    table = connection.ops.quote_name(ScheduledSession._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET started_at = %s WHERE id = ANY(%s)",  # noqa: S608
            [now, pks],
        )


# --- Prepared starts (timers/scheduled.py says why) ------------------------------------

# How long before a start its timers are prepared: preparing 10,000 takes seconds on a
# busy 2-core machine. A session made (or moved) later than this goes the locked way.
PREPARE_AHEAD = timedelta(seconds=20)
# The most prepared sessions one transaction starts.
PREPARED_BATCH = 2_500


@dataclass
class _Instant:
    """The sessions of one start instant as they were prepared, by session id: room,
    length, and the room's own work minutes (a change of them since is not prepared)."""

    timers: PreparedStarts
    sessions: dict[int, tuple[int, int | None, int]] = field(default_factory=dict)
    last_pk: int = 0


# This process's prepared instants. Each scheduler prepares for itself: at the start,
# whichever claims a session (SKIP LOCKED) writes it from its own preparation.
_prepared: dict[datetime, _Instant] = {}


def _prepare(now: datetime) -> int:
    """Prepares the sessions starting within PREPARE_AHEAD that this process has not
    prepared yet (a new instant, or rows added to one since: higher keys); forgets the
    instants past. Returns how many sessions it prepared."""
    for at in [at for at in _prepared if at < now - ONE_MINUTE]:
        del _prepared[at]
    new = ~Q(starts_at__in=list(_prepared))
    for at, instant in _prepared.items():
        new |= Q(starts_at=at, pk__gt=instant.last_pk)
    rows = (
        ScheduledSession.objects.live()
        .filter(new, started_at__isnull=True, starts_at__gt=now, starts_at__lte=now + PREPARE_AHEAD)
        .values_list("pk", "room_id", "work_minutes", "room__work_minutes", "starts_at")
    )
    by_instant: dict[datetime, list[tuple[int, int, int | None, int]]] = {}
    for pk, room_id, work_minutes, room_minutes, starts_at in rows:
        by_instant.setdefault(starts_at, []).append((pk, room_id, work_minutes, room_minutes))
    for at, sessions in by_instant.items():
        instant = _prepared.setdefault(at, _Instant(timers=PreparedStarts(at=at)))
        starts: dict[int, int | None] = {}
        for _, room_id, work_minutes, _ in sessions:
            if room_id not in instant.timers.timers:
                starts.setdefault(room_id, work_minutes * 60 if work_minutes else None)
        instant.timers.add(timers_prepare_scheduled(starts=starts, at=at))
        for pk, room_id, work_minutes, room_minutes in sessions:
            instant.sessions[pk] = (room_id, work_minutes, room_minutes)
            instant.last_pk = max(instant.last_pk, pk)
    return sum(len(sessions) for sessions in by_instant.values())


def _start_prepared(now: datetime) -> int:
    """Starts the due sessions this process prepared that still match their preparation,
    PREPARED_BATCH to a transaction, so that a second scheduler takes its share at once;
    the others go to the locked batches. The pushes leave after the last commit: the
    first batch's ten thousand renders and sends must not hold up the next batch."""
    instants = [at for at in _prepared if at <= now]
    if not instants:
        return 0
    done, pushes = 0, []
    while True:
        started, batch_pushes, claimed = _start_prepared_batch(instants, now=now)
        done += started
        pushes += batch_pushes
        if claimed < PREPARED_BATCH:
            break
    if pushes:
        # One wake for the whole pass, on its last event, after every push.
        pushes[-1] = replace(pushes[-1], wakes_scheduler=True)
        with broadcast.batched(size=PUSH_BATCH):
            for event in pushes:
                publish_on_commit(event)  # no transaction now: delivered at once
    return done


def _start_prepared_batch(
    instants: list[datetime], *, now: datetime
) -> tuple[int, list[TimerChanged], int]:
    """One transaction of `_start_prepared`: (sessions started, their pushes, rows claimed)."""
    with transaction.atomic():
        due = list(
            _skip_locked(ScheduledSession.objects.due_to_start(now))
            .filter(starts_at__in=instants)
            .values_list("pk", "room_id", "work_minutes", "room__work_minutes", "starts_at")[
                :PREPARED_BATCH
            ]
        )
        by_instant: dict[datetime, list[int]] = {}
        sessions_of: dict[int, list[int]] = {}
        rest = []
        lengths = {pk: work_minutes for pk, _, work_minutes, _, _ in due}  # as stored
        for pk, room_id, work_minutes, room_minutes, starts_at in due:
            seen = _prepared[starts_at].sessions.get(pk)
            if seen == (room_id, work_minutes, room_minutes):
                by_instant.setdefault(starts_at, []).append(room_id)
                sessions_of.setdefault(room_id, []).append(pk)
            else:
                rest.append((pk, room_id, work_minutes))
        started: list[int] = []
        pushes: list[TimerChanged] = []
        for at, room_ids in by_instant.items():
            written = timers_apply_prepared(prepared=_prepared[at].timers, room_ids=room_ids)
            pushes += written
            rooms_written = {event.room_id for event in written}
            for room_id in room_ids:
                if room_id in rooms_written:
                    started += sessions_of[room_id]
                else:  # changed since it was prepared: under its lock, as any other
                    rest += [(pk, room_id, lengths[pk]) for pk in sessions_of[room_id]]
        if started:
            _stamp_started(started, now=now)
        if rest:
            with broadcast.batched(size=PUSH_BATCH):
                _start_locked(rest, now=now)
    if started:
        logger.info("started %d prepared scheduled session(s)", len(started))
    return len(started) + len(rest), pushes, len(due)


def next_start(*, now: datetime | None = None) -> datetime | None:
    now = now or timezone.now()
    return (
        ScheduledSession.objects.live()
        .filter(started_at__isnull=True, ends_at__gt=now)
        .order_by("starts_at")
        .values_list("starts_at", flat=True)
        .first()
    )


def next_preparation(*, start: datetime | None) -> datetime | None:
    """When to prepare the next `start` (`next_start`): PREPARE_AHEAD before it, unless
    this process has prepared it already (or prepares nothing: not PostgreSQL)."""
    if start is None or start in _prepared or connection.vendor != "postgresql":
        return None
    return start - PREPARE_AHEAD


# --- Reminders -------------------------------------------------------------------


def _reminders_pending(now: datetime) -> QuerySet[Booking]:
    """Held seats not yet reminded, of sessions still to start within the longest lead,
    annotated with their `lead` (minutes). One filter for the claim and for the next
    wake-up, so that nothing the claim refuses keeps the scheduler awake."""
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
        .annotate(
            lead=Coalesce("user__schedule_preferences__reminder_minutes", Value(DEFAULT_LEAD))
        )
        .filter(lead__gt=0)
    )


def _first_start_by_lead(now: datetime) -> dict[int, datetime]:
    """The earliest pending start for each lead in use (one grouped query).

    The moment a reminder is due is `starts_at - lead minutes`. Written as SQL that is an
    integer times an interval, which SQLite's backend refuses (Django raises "Invalid
    arguments for operator *" there, and `make run` is SQLite): so the leads are read
    first, few as they are, and each is a plain comparison of `starts_at`."""
    rows = _reminders_pending(now).values("lead").annotate(first=Min("session__starts_at"))
    return {row["lead"]: row["first"] for row in rows.order_by()}


def _due(leads: list[int], now: datetime) -> Q:
    due = Q(pk__in=[])
    for lead in leads:
        due |= Q(lead=lead, session__starts_at__lte=now + lead * ONE_MINUTE)
    return due


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
    firsts = _first_start_by_lead(now)
    leads = [lead for lead, first in firsts.items() if first - lead * ONE_MINUTE <= now]
    if not leads:
        return 0
    with broadcast.batched(size=PUSH_BATCH), transaction.atomic():
        due = list(
            _skip_locked(_reminders_pending(now).filter(_due(leads, now)))
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
    firsts = _first_start_by_lead(now)
    return min((first - lead * ONE_MINUTE for lead, first in firsts.items()), default=None)


# --- Together ---------------------------------------------------------------------


def next_due(*, now: datetime | None = None) -> datetime | None:
    """The earliest moment any of the three passes has something due."""
    now = now or timezone.now()
    start = next_start(now=now)
    moments = [
        start,
        next_preparation(start=start),
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
