"""Timer actions. Each runs in one transaction with the timer row locked.

Every action first catches the stored state up to `now` (recording the phases that
completed on the way, once, at their deadlines), then applies the command, then
schedules the room's broadcast and a scheduler wake-up on commit.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from focusmate.lib import broadcast
from focusmate.lib.ratelimit import hit
from rooms.models import Participant, Room
from stats.models import SessionHistory
from timers import engine
from timers.models import Timer
from timers.rendering import render_timer

logger = logging.getLogger(__name__)

SCHEDULER_GROUP = "timers.scheduler"


def can_control(*, room: Room, user, participant: Participant | None) -> bool:
    if not user.is_authenticated or not room.is_active:
        return False
    if room.control == Room.Control.OWNER:
        return room.owner_id == user.pk
    return participant is not None and participant.is_present


def _record(room: Room, completed: Iterable[engine.CompletedPhase]) -> int:
    """Writes one history row per present participant per completed phase.

    Idempotent: the unique (user, room, seq) constraint turns a second recording of
    the same phase (a retry, a racing scheduler) into a no-op.
    """
    completed = list(completed)
    if not completed:
        return 0
    participants = list(
        Participant.objects.present()
        .filter(room=room)
        .only("user_id", "joined_at", "joined_seq", "joined_elapsed_seconds")
    )
    rows = []
    for phase in completed:
        for participant in participants:
            if participant.joined_seq > phase.seq or participant.joined_at > phase.ended_at:
                continue  # joined after this phase ended
            credited = phase.duration_seconds
            if participant.joined_seq == phase.seq:
                credited = max(0, phase.duration_seconds - participant.joined_elapsed_seconds)
            rows.append(
                SessionHistory(
                    user_id=participant.user_id,
                    room=room,
                    kind=phase.phase.value,
                    seq=phase.seq,
                    started_at=phase.started_at,
                    ended_at=phase.ended_at,
                    seconds_credited=credited,
                )
            )
    SessionHistory.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    users = {row.user_id for row in rows if row.kind == SessionHistory.Kind.WORK}
    if users:
        _after_sessions_recorded(users)
    return len(rows)


def _after_sessions_recorded(user_ids: set[int]) -> None:
    """Checks achievements for the people who just completed a work session.

    After commit, outside the timer's lock: the check reads several counts per person,
    and an unlock is idempotent anyway (`recompute_achievements` repairs a failure).
    """
    from accounts.models import User
    from achievements.services import achievements_check_many

    def check() -> None:
        try:
            achievements_check_many(users=User.objects.filter(pk__in=user_ids))
        except Exception:
            logger.exception("achievement check failed for users %s", sorted(user_ids))

    transaction.on_commit(check)


def _locked_timer(room_id: int) -> Timer:
    return Timer.objects.select_for_update().select_related("room").get(room_id=room_id)


def _catch_up(timer: Timer, now: datetime) -> list[engine.CompletedPhase]:
    state, completed = timer.state_at(now)
    if completed:
        timer.apply(state)
        _record(timer.room, completed)
    return completed


def _save(timer: Timer) -> None:
    timer.version += 1
    timer.save()
    broadcast_timer(timer)
    if timer.status == engine.Status.RUNNING:
        transaction.on_commit(
            lambda: broadcast.send_now(SCHEDULER_GROUP, {"type": "scheduler.wake"})
        )


def broadcast_timer(timer: Timer) -> None:
    """Renders the room's timer once and pushes it to the room on commit."""
    broadcast.send_html_on_commit(
        broadcast.room_group(timer.room_id), render_timer(timer, oob=True)
    )


def timer_for_room(room: Room) -> Timer:
    timer, _ = Timer.objects.get_or_create(room=room)
    return timer


@transaction.atomic
def timer_command(*, room: Room, by, action: str, now: datetime | None = None) -> Timer:
    """Runs start, pause, resume, skip or reset for `by`, who must be allowed to."""
    if action not in engine.COMMANDS:
        raise ValidationError(f"Unknown timer action {action!r}.")
    now = now or timezone.now()
    timer = _locked_timer(room.pk)
    room = timer.room  # as of now, under the lock: settings may have just changed
    participant = (
        Participant.objects.filter(room=room, user=by).first() if by.is_authenticated else None
    )
    if not room.is_active:
        raise PermissionDenied("This room is closed.")
    if not can_control(room=room, user=by, participant=participant):
        if (
            room.control == Room.Control.OWNER
            and participant is not None
            and participant.is_present
        ):
            raise PermissionDenied("Only the room's owner controls this timer.")
        raise PermissionDenied("Join the room to control its timer.")
    hit(f"timer:{by.pk}", limit=20, per_seconds=10)
    _catch_up(timer, now)
    try:
        new_state = engine.COMMANDS[action](timer.state, timer.settings, now)
    except engine.IllegalCommand as error:
        # Rolls back the whole transaction, catch-up included: nothing changes, and the
        # scheduler records those phases on its next pass.
        raise ValidationError(str(error), code="illegal") from error
    timer.apply(new_state)
    _save(timer)
    logger.info("timer room=%s action=%s by=%s seq=%s", room.pk, action, by.pk, timer.seq)
    return timer


def timer_advance(*, room_id: int, now: datetime | None = None) -> Timer:
    """Catches one timer up to now (a page load, a reconnect), saving only if it changed.

    It reads without a lock first: most of the time nothing is due, and a room filling
    with sockets should not queue every snapshot behind the timer's row lock.
    """
    now = now or timezone.now()
    timer = Timer.objects.select_related("room").get(room_id=room_id)
    _, completed = timer.state_at(now)
    if not completed:
        return timer
    with transaction.atomic():
        timer = _locked_timer(room_id)
        if _catch_up(timer, now):
            _save(timer)
    return timer


def timers_advance_due(*, now: datetime | None = None, limit: int = 200) -> int:
    """Advances every timer whose deadline has passed; returns how many it advanced.

    Rows are claimed with SKIP LOCKED, so several schedulers share the work and a
    timer that a command holds right now is left to that command.
    """
    now = now or timezone.now()
    advanced = 0
    skip_locked = connection.features.has_select_for_update_skip_locked
    with transaction.atomic():
        due = Timer.objects.due(now).select_related("room").order_by("ends_at")
        due = due.select_for_update(skip_locked=skip_locked, of=("self",)) if skip_locked else due
        for timer in due[:limit]:
            if _catch_up(timer, now):
                _save(timer)
                advanced += 1
    return advanced


def next_deadline() -> datetime | None:
    return Timer.objects.running().order_by("ends_at").values_list("ends_at", flat=True).first()


def timers_broadcast_running(*, now: datetime | None = None) -> int:
    """The periodic sync: pushes the state of every running timer to its room."""
    count = 0
    for timer in Timer.objects.running().select_related("room"):
        broadcast.send_html_now(
            broadcast.room_group(timer.room_id), render_timer(timer, oob=True, now=now)
        )
        count += 1
    return count
