"""Timer actions. Each runs in one transaction with the timer row locked.

One Start press, from the button to the sockets:
1. `rooms.views.room_timer` (or a socket frame, or the API) calls `timer_command`.
2. It reads the clock once (`now`), locks the row, and runs the engine at most twice:
   `_catch_up` records the phases that ended before `now` (through `stats`), then
   `engine.run` applies the command.
3. `_save` stores it and publishes `TimerChanged(..., at=now)` on commit; the returned
   `Timer` carries that event as `timer.changed`.
4. After commit, `rooms.subscriptions.push_timer` takes its view, `timer_view(event)`
   (timers/rendering.py: the state at `at`, no engine run, one template rendering),
   and sends its HTML and `data` in one message to the room's group; then, last,
   `timers.subscriptions.wake_scheduler` wakes the scheduler for the new deadline.
5. The room consumers forward the HTML to pages and `data` to API sockets; the view that
   got the press answers with the same `TimerView` (`timer_view(timer)`).

A timer knows its room through `Timer.room` only. Rooms create, command and stop timers
through these services; the scheduler advances them with `timers_advance_due`.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from accounts.services import require_active
from focusmate.events import TimerChanged, publish_on_commit
from focusmate.lib import broadcast
from focusmate.lib.ratelimit import hit
from stats.services import Attendance, sessions_record, sessions_record_many
from timers import engine
from timers.models import Timer

if TYPE_CHECKING:
    from accounts.models import User
    from rooms.models import Participant, Room

logger = logging.getLogger(__name__)

# The schedulers listen here for `scheduler.wake` (timers.subscriptions sends it).
SCHEDULER_GROUP = "timers.scheduler"
# A pass's pushes leave this many at a time (after the commit): the first rooms' frames
# go out while the later rooms' partials are rendered.
PUSH_BATCH = 100

# `timer_command(participant=READ_IT)`: the service reads the membership itself.
READ_IT = object()


def timer_changed(*, timer: Timer, at: datetime, wakes_scheduler: bool = False) -> TimerChanged:
    return TimerChanged(
        room_id=timer.room_id,
        version=timer.version,
        state=timer.state,
        settings=timer.settings,
        at=at,
        note=timer.note,
        wakes_scheduler=wakes_scheduler,
    )


def _record(timer: Timer, completed: list[engine.CompletedPhase]) -> int:
    """History for the members present now, for each phase that completed."""
    attendees = present_in(room_ids=[timer.room_id]).get(timer.room_id, [])
    return sessions_record(room_id=timer.room_id, phases=completed, attendees=attendees)


def _locked_timer(room_id: int) -> Timer:
    return Timer.objects.select_for_update(of=("self",)).select_related("room").get(room_id=room_id)


def _catch_up(timer: Timer, now: datetime) -> list[engine.CompletedPhase]:
    state, completed = timer.state_at(now)
    if completed:
        timer.apply(state)
        _record(timer, completed)
    return completed


def _save(timer: Timer, *, at: datetime) -> None:
    timer.version += 1
    timer.save()
    running = timer.status == engine.Status.RUNNING  # a new deadline to wake for
    timer.changed = timer_changed(timer=timer, at=at, wakes_scheduler=running)
    publish_on_commit(timer.changed)


def timer_create(*, room: Room) -> Timer:
    """The room's timer, idle at its first work phase (room_create calls this)."""
    return Timer.objects.create(room=room)


@transaction.atomic
def timer_command(
    *,
    room: Room,
    by: User,
    action: str,
    participant: Participant | object | None = READ_IT,
    now: datetime | None = None,
) -> Timer:
    """Runs start, pause, resume, skip or reset for `by`, who must be allowed to.

    Who may press the buttons is `Room.may_control_timer`, checked here against the room
    as it is under the lock. A caller that has just read `by`'s membership of the room
    (a page, a socket frame) passes it as `participant` (None for none) to save a query.
    """
    require_active(user=by)
    if action not in engine.COMMANDS:
        raise ValidationError("That's not a timer action.")
    now = now or timezone.now()
    timer = _locked_timer(room.pk)
    room = timer.room  # as of now, under the lock: settings may have just changed
    if not room.is_active:
        raise PermissionDenied("This room is closed.")
    if participant is READ_IT:
        participant = room.participants.filter(user=by).first()
    if not room.may_control_timer(by, participant):
        if participant is not None and participant.is_present:
            raise PermissionDenied("Only the room's owner controls this timer.")
        raise PermissionDenied("Join the room to control its timer.")
    hit(f"timer:{by.pk}", limit=20, per_seconds=10)
    _catch_up(timer, now)
    try:
        new_state = engine.run(action, timer.state, timer.settings, now)
    except engine.IllegalCommand as error:
        # Rolls back the whole transaction, catch-up included: nothing changes, and the
        # scheduler records those phases on its next pass.
        raise ValidationError(str(error), code="illegal") from error
    timer.apply(new_state)
    timer.last_command, timer.last_command_by = action, by.username
    _save(timer, at=now)
    logger.info("timer room=%s action=%s by=%s seq=%s", room.pk, action, by.pk, timer.seq)
    return timer


@transaction.atomic
def timer_stop(*, room_id: int, now: datetime | None = None) -> Timer:
    """Stops a closing room's timer: what completed before now is recorded, then idle."""
    now = now or timezone.now()
    timer = _locked_timer(room_id)
    _catch_up(timer, now)
    timer.apply(
        replace(timer.state, status=engine.Status.IDLE, ends_at=None, remaining_seconds=None)
    )
    _save(timer, at=now)
    return timer


def timer_announce(*, room: Room) -> None:
    """Publishes the timer as it is (the room's settings changed what it shows)."""
    timer = Timer.objects.get(room=room)
    timer.room = room
    publish_on_commit(timer_changed(timer=timer, at=timezone.now()))


def timer_advance(
    *, room_id: int, now: datetime | None = None, timer: Timer | None = None
) -> Timer:
    """Catches one timer up to now (a page load, a reconnect), saving only if it changed.

    It reads without a lock first: most of the time nothing is due, and a room filling
    with sockets should not queue every snapshot behind the timer's row lock. A caller
    that has just read the timer with its room passes it as `timer` to save that read.
    """
    now = now or timezone.now()
    if timer is None:
        timer = Timer.objects.select_related("room").get(room_id=room_id)
    _, completed = timer.state_at(now)
    if not completed:
        return timer
    with transaction.atomic():
        timer = _locked_timer(room_id)
        if _catch_up(timer, now):
            _save(timer, at=now)
    return timer


def timers_advance_due(*, now: datetime | None = None, limit: int = 1000) -> int:
    """Advances every timer whose deadline has passed; returns how many it advanced.

    Rows are claimed with SKIP LOCKED, so several schedulers share the work and a
    timer that a command holds right now is left to that command. A pass costs the same
    few statements however many timers are due together (a class's rooms ending their
    phase in the same second): the claim, who is present in all of those rooms, one
    insert of all their history, one update of all the timers. Their pushes are
    published before the history's, so they go out first after the commit; the last
    one's event wakes the schedulers once for the whole pass, after every push.
    """
    now = now or timezone.now()
    skip_locked = connection.features.has_select_for_update_skip_locked
    with broadcast.batched(size=PUSH_BATCH), transaction.atomic():
        due = Timer.objects.due(now).select_related("room").order_by("ends_at")
        due = due.select_for_update(skip_locked=skip_locked, of=("self",)) if skip_locked else due
        changed = []
        for timer in due[:limit]:
            state, completed = timer.state_at(now)
            if completed:
                timer.apply(state)
                timer.version += 1
                timer.updated_at = now
                changed.append((timer, completed))
        if not changed:
            return 0
        timers = [timer for timer, _ in changed]
        save_states(timers=timers)
        running = any(timer.status == engine.Status.RUNNING for timer in timers)
        for timer in timers[:-1]:
            publish_on_commit(timer_changed(timer=timer, at=now))
        publish_on_commit(timer_changed(timer=timers[-1], at=now, wakes_scheduler=running))
        present = present_in(room_ids=[timer.room_id for timer in timers])
        sessions_record_many(
            records=[
                (timer.room_id, completed, present.get(timer.room_id, []))
                for timer, completed in changed
            ]
        )
    return len(changed)


_STATE_FIELDS = [
    "status",
    "phase",
    "seq",
    "cycle",
    "ends_at",
    "remaining_seconds",
    "phase_started_at",
    "paused_at",
    "version",
    "updated_at",
    "last_command",
    "last_command_by",
    "scheduled_seq",
    "scheduled_work_seconds",
]


def state_values(*, timers: list[Timer]) -> list[list]:
    """The timers' states as the database stores them: one list per `_STATE_FIELDS`
    name, in `timers`' order. `save_states` writes them; a prepared scheduled start
    (timers/scheduled.py) converts them ahead of its moment."""
    fields = [Timer._meta.get_field(name) for name in _STATE_FIELDS]
    return [[f.get_db_prep_save(getattr(t, f.attname), connection) for t in timers] for f in fields]


def save_states(
    *, timers: list[Timer], values: list[list] | None = None, if_versions: list[int] | None = None
) -> list[int]:
    """Saves many timers' new states in one statement; returns the rooms written.

    `bulk_update` builds one CASE expression per field over every row: for a thousand
    timers it spent most of a scheduler pass building and converting SQL (py-spy). On
    PostgreSQL one UPDATE joins the rows to arrays of the new values (`unnest`): 27 ms
    for a thousand, where a pipelined executemany of single-row UPDATEs took 50 ms
    (one pass over bench/timers_due.py's rooms, in process). Elsewhere
    (SQLite) it is that executemany.

    `values` are `state_values(timers=timers)` when already converted. `if_versions`
    (PostgreSQL only) writes a row only while its version is still the one given for it,
    for a state computed without the row's lock: a row a command changed meanwhile is
    left as it is and not among the rooms returned.
    """
    fields = [Timer._meta.get_field(name) for name in _STATE_FIELDS]
    pk = Timer._meta.pk
    quote = connection.ops.quote_name
    table = quote(Timer._meta.db_table)
    columns = [quote(f.column) for f in fields]
    values = state_values(timers=timers) if values is None else values
    keys = [t.pk for t in timers]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A column with one value for every row (a scheduled start's status, phase,
            # start instant, empty note ...) goes as that one value: each array element
            # costs psycopg's Python a few microseconds to convert.
            same = [len(set(column)) == 1 for column in values]
            assignments = [
                f"{c} = %s" if one else f"{c} = v.{c}" for c, one in zip(columns, same, strict=True)
            ]
            params = [column[0] for column, one in zip(values, same, strict=True) if one]
            casts, names = [], []
            for f, column, c, one in zip(fields, values, columns, same, strict=True):
                if not one:
                    casts.append(f"%s::{f.cast_db_type(connection)}[]")
                    names.append(c)
                    params.append(column)
            casts.append(f"%s::{pk.db_type(connection)}[]")
            names.append("pk")
            params.append(keys)
            where = f"{table}.{quote(pk.column)} = v.pk"
            if if_versions is not None:
                casts.append("%s::integer[]")
                names.append("old_version")
                params.append(if_versions)
                where += f" AND {table}.{quote('version')} = v.old_version"
            cursor.execute(
                f"UPDATE {table} SET {', '.join(assignments)} "  # noqa: S608
                f"FROM unnest({', '.join(casts)}) AS v({', '.join(names)}) "
                f"WHERE {where} RETURNING {table}.{quote('room_id')}",
                params,
            )
            return [row[0] for row in cursor.fetchall()]
        if if_versions is not None:
            raise NotImplementedError("a version-guarded save needs PostgreSQL")
        assignments = ", ".join(f"{c} = %s" for c in columns)
        rows = [[*row, key] for *row, key in zip(*values, keys, strict=True)]
        cursor.executemany(
            f"UPDATE {table} SET {assignments} WHERE {quote(pk.column)} = %s",  # noqa: S608
            rows,
        )
    return [t.room_id for t in timers]


def present_in(*, room_ids: list[int]) -> dict[int, list[Attendance]]:
    """Who is present in each of these rooms, in one query (through each timer's room)."""
    present: dict[int, list[Attendance]] = {}
    rows = Timer.objects.filter(
        room_id__in=room_ids, room__participants__left_at__isnull=True
    ).values_list(
        "room_id",
        "room__participants__user_id",
        "room__participants__joined_at",
        "room__participants__joined_seq",
        "room__participants__joined_elapsed_seconds",
        "room__participants__intention",
    )
    for room_id, user_id, joined_at, joined_seq, elapsed, intention in rows:
        if user_id is None:
            # A room nobody is in (the outer join's empty row): a scheduled session starts
            # timers that no member started, and its phases end with no one to credit.
            continue
        present.setdefault(room_id, []).append(
            Attendance(
                user_id=user_id,
                joined_at=joined_at,
                joined_seq=joined_seq,
                joined_elapsed_seconds=elapsed,
                goal=intention,
            )
        )
    return present


def next_deadline() -> datetime | None:
    return Timer.objects.running().order_by("ends_at").values_list("ends_at", flat=True).first()


def timers_broadcast_running() -> int:
    """The periodic sync: every running timer's state again, to its room's subscribers
    (outside a transaction, so each is delivered at once; no deadline moved, so they
    wake no scheduler)."""
    count = 0
    now = timezone.now()
    with broadcast.batched():
        for timer in Timer.objects.running().select_related("room"):
            publish_on_commit(timer_changed(timer=timer, at=now))
            count += 1
    return count
