"""Scheduled starts: no one pressed Start, the schedule did (scheduling/runner.py).

`timers_start_scheduled` starts the timers of rooms whose session begins, under their
row locks, in the scheduler's transaction.

A start known ahead can also be prepared ahead. 10,000 sessions starting in the same
minute cost the locked path about 0.4 s of Python and SQL per thousand rooms (the
engine's state, the conversion of every value, one wide UPDATE), so the last rooms
started seconds late (bench/schedule.py: p99 4.6 s). Yet a timer that is not running
cannot change by itself: its state at the session's start is known as soon as the
session is near. `timers_prepare_scheduled` computes and converts it then, with no lock
and no write; at the start, `timers_apply_prepared` writes every prepared row in one
UPDATE that only takes a row whose version is still the one read, so a command pressed
in between (which raises the version) wins and that room goes the locked way instead.
A running timer is never prepared: its phase may end before the start, and what ended
is history, recorded under the lock.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from django.db import connection, transaction

from focusmate.events import TimerChanged, publish_on_commit
from stats.services import sessions_record_many
from timers import engine
from timers.models import Timer
from timers.services import present_in, save_states, state_values, timer_changed

STARTED, JOINED, CLOSED = "started", "joined", "closed"


def _scheduled_state(timer: Timer, *, now: datetime, work_seconds: int | None) -> engine.TimerState:
    """A work phase running from `now`: the phase the timer waits at, or a new one.

    The session's length is `work_seconds` for that one phase (`Timer.scheduled_seq`);
    None keeps the room's own work length.
    """
    state = timer.state
    if not (state.status is engine.Status.IDLE and state.phase is engine.Phase.WORK):
        # A waiting break or a pause (perhaps hours old) gives way to the session's work
        # phase; what it had run is not a completed phase, as with a reset.
        state = engine.TimerState(seq=state.seq + 1, cycle=state.cycle)
    timer.scheduled_seq = state.seq if work_seconds else None
    timer.scheduled_work_seconds = work_seconds or None
    settings = timer.settings
    if work_seconds:
        settings = replace(settings, work_seconds=work_seconds)
    return engine.start(state, settings, now)


def _started(timer: Timer, *, state: engine.TimerState, now: datetime) -> None:
    timer.apply(state)
    timer.last_command, timer.last_command_by = "", ""
    timer.version += 1
    timer.updated_at = now


def timers_start_scheduled(*, starts: dict[int, int | None], now: datetime) -> dict[int, str]:
    """Starts the timers of rooms whose scheduled session begins: `starts` maps a room's
    id to the session's work seconds (None: the room's own phases). Returns each room's
    outcome: STARTED, JOINED (its timer was already running: the session joins that run,
    nothing is reset) or CLOSED (a closed room's timer stays as it is).

    There is no `by`: the schedule starts it, so no one is authorised or rate-limited,
    and the room sees no "Paused by" note afterwards. The length is honoured for the one
    work phase it starts (see `Timer.scheduled_seq`); breaks and later phases are the
    room's, so a 50-minute session in a 25/5 room is 50 minutes of work, then the room's
    5-minute break. A paused or waiting timer (a break not started, a pause left behind)
    is replaced by the session's work phase: the session starts on time.

    It runs in the caller's transaction (the scheduler claims the sessions in it) and
    costs the same few statements for one room or ten thousand: one locked read of the
    timers (in room order, so two callers never deadlock), one update of those that
    start, and the history of phases that had ended unnoticed before `now`.
    """
    with transaction.atomic():
        timers = list(
            Timer.objects.filter(room_id__in=list(starts))
            .select_related("room")
            .select_for_update(of=("self",))
            .order_by("room_id")
        )
        outcome: dict[int, str] = {}
        changed: list[Timer] = []
        completed_by_room: list[tuple[Timer, list[engine.CompletedPhase]]] = []
        for timer in timers:
            if not timer.room.is_active:
                outcome[timer.room_id] = CLOSED
                continue
            state, completed = timer.state_at(now)
            if completed:
                timer.apply(state)
                completed_by_room.append((timer, completed))
            if timer.status == engine.Status.RUNNING:
                outcome[timer.room_id] = JOINED
                if completed:
                    timer.version += 1
                    timer.updated_at = now
                    changed.append(timer)
                continue
            _started(
                timer,
                state=_scheduled_state(timer, now=now, work_seconds=starts[timer.room_id]),
                now=now,
            )
            outcome[timer.room_id] = STARTED
            changed.append(timer)
        if not changed:
            return outcome
        save_states(timers=changed)
        _publish(changed, at=now)
        if completed_by_room:
            present = present_in(room_ids=[timer.room_id for timer, _ in completed_by_room])
            sessions_record_many(
                records=[
                    (timer.room_id, completed, present.get(timer.room_id, []))
                    for timer, completed in completed_by_room
                ]
            )
    return outcome


def _publish(timers: list[Timer], *, at: datetime) -> None:
    # One wake for the whole batch, on its last event, after every push (as a pass).
    for timer in timers[:-1]:
        publish_on_commit(timer_changed(timer=timer, at=at))
    publish_on_commit(timer_changed(timer=timers[-1], at=at, wakes_scheduler=True))


# --- Prepared ahead ------------------------------------------------------------------


@dataclass
class PreparedStarts:
    """What `timers_start_scheduled(starts, now=at)` would write for the timers that were
    not running when it was prepared, by room: the timer carrying its new state, the
    version it was read at, and its values converted for `save_states`."""

    at: datetime
    timers: dict[int, Timer] = field(default_factory=dict)
    read_versions: dict[int, int] = field(default_factory=dict)
    values: dict[int, list] = field(default_factory=dict)
    # The pushes, made ahead too (10,000 of them cost 0.2 s of the start's transaction).
    events: dict[int, TimerChanged] = field(default_factory=dict)

    def add(self, other: PreparedStarts) -> None:
        """Takes in `other`'s rooms (prepared later for the same instant)."""
        self.timers.update(other.timers)
        self.read_versions.update(other.read_versions)
        self.values.update(other.values)
        self.events.update(other.events)

    def forget(self, room_id: int) -> None:
        for prepared in (self.timers, self.read_versions, self.values, self.events):
            prepared.pop(room_id, None)


def timers_prepare_scheduled(*, starts: dict[int, int | None], at: datetime) -> PreparedStarts:
    """Prepares the starts at `at` of these rooms' timers (`starts` as for
    `timers_start_scheduled`): reads them, without locks, and computes the state of each
    that is not running, in an open room. Writes nothing. PostgreSQL only (the write
    needs its version-guarded UPDATE); elsewhere nothing is prepared."""
    prepared = PreparedStarts(at=at)
    if connection.vendor != "postgresql" or not starts:
        return prepared
    timers = list(
        Timer.objects.filter(room_id__in=list(starts), room__is_active=True)
        .exclude(status=engine.Status.RUNNING)
        .select_related("room")
    )
    for timer in timers:
        prepared.read_versions[timer.room_id] = timer.version
        state = _scheduled_state(timer, now=at, work_seconds=starts[timer.room_id])
        _started(timer, state=state, now=at)
        prepared.timers[timer.room_id] = timer
        prepared.events[timer.room_id] = timer_changed(timer=timer, at=at)
    columns = state_values(timers=timers)
    for index, timer in enumerate(timers):
        prepared.values[timer.room_id] = [column[index] for column in columns]
    return prepared


def timers_apply_prepared(*, prepared: PreparedStarts, room_ids: list[int]) -> list[TimerChanged]:
    """Writes the prepared starts of `room_ids` (those of them prepared) in one UPDATE,
    each only if its timer's version is still the one read, in the caller's transaction.
    Returns the pushes of the rooms started, for the caller to publish once its
    transactions are done (a scheduler sends a whole instant's pushes after its last
    batch). A room left out (not prepared, or changed since) is for
    `timers_start_scheduled`; a closed room is among them, as closing stops its timer
    through a command, which raises the version."""
    rooms = [room_id for room_id in room_ids if room_id in prepared.timers]
    if not rooms:
        return []
    timers = [prepared.timers[room_id] for room_id in rooms]
    rows = [prepared.values[room_id] for room_id in rooms]
    values = [list(column) for column in zip(*rows, strict=True)]
    written = set(
        save_states(
            timers=timers,
            values=values,
            if_versions=[prepared.read_versions[room_id] for room_id in rooms],
        )
    )
    pushes = [prepared.events[room_id] for room_id in rooms if room_id in written]
    for room_id in rooms:  # each prepared start is used at most once
        prepared.forget(room_id)
    return pushes
