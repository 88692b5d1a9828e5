"""Writes to the session history. The timer services call `sessions_record` with the
phases that completed and who was there; nothing else writes history rows. A person then
checks out their own work phases (`session_check_out`, `phase_check_out`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.services import require_active
from focusmate.events import CheckedOut, SessionsRecorded, publish_on_commit
from focusmate.lib.ratelimit import hit
from stats.models import GOAL_MAX_LENGTH, NOTE_MAX_LENGTH, Outcome, SessionHistory

if TYPE_CHECKING:
    from accounts.models import User
    from timers.engine import CompletedPhase


@dataclass(frozen=True)
class Attendance:
    """A member present in the room, and where in the timer they arrived."""

    user_id: int
    joined_at: datetime
    joined_seq: int
    joined_elapsed_seconds: int
    # What they said they were working on (the room's intention): a work phase's goal.
    goal: str = ""


def sessions_record(
    *, room_id: int, phases: Sequence[CompletedPhase], attendees: Iterable[Attendance]
) -> int:
    """One room's completed phases: see `sessions_record_many`."""
    return sessions_record_many(records=[(room_id, phases, list(attendees))])


def sessions_record_many(
    *, records: Sequence[tuple[int, Sequence[CompletedPhase], Sequence[Attendance]]]
) -> int:
    """For each (room id, phases, attendees): one history row per attendee per completed
    phase, all in one insert; returns how many rows. Call it inside the transaction that advanced
    the timers. Idempotent: the unique (user, room, seq) constraint turns a second
    recording of the same phase (a retry, a racing scheduler) into a no-op. A member is
    credited only for the part of a phase they were there for. One `SessionsRecorded` on
    commit names everyone recorded, whatever the number of rooms.
    """
    rows = []
    for room_id, phases, attendees in records:
        rows += _rows_for(room_id, phases, attendees)
    if not rows:
        return 0
    SessionHistory.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    publish_on_commit(
        SessionsRecorded(
            room_ids=frozenset(row.room_id for row in rows),
            user_ids=frozenset(row.user_id for row in rows),
            work_user_ids=frozenset(
                row.user_id for row in rows if row.kind == SessionHistory.Kind.WORK
            ),
        )
    )
    return len(rows)


def _rows_for(
    room_id: int, phases: Sequence[CompletedPhase], attendees: Sequence[Attendance]
) -> list[SessionHistory]:
    rows = []
    for phase in phases:
        for person in attendees:
            if person.joined_seq > phase.seq or person.joined_at > phase.ended_at:
                continue  # joined after this phase ended
            credited = phase.duration_seconds
            if person.joined_seq == phase.seq:
                credited = max(0, phase.duration_seconds - person.joined_elapsed_seconds)
            rows.append(
                SessionHistory(
                    user_id=person.user_id,
                    room_id=room_id,
                    kind=phase.phase.value,
                    seq=phase.seq,
                    started_at=phase.started_at,
                    ended_at=phase.ended_at,
                    seconds_credited=credited,
                    goal=person.goal[:GOAL_MAX_LENGTH]
                    if phase.phase.value == SessionHistory.Kind.WORK
                    else "",
                )
            )
    return rows


@transaction.atomic
def session_check_out(
    *, session: SessionHistory, by: User, outcome: str, note: str = "", now: datetime | None = None
) -> SessionHistory:
    """`by` answers "Did you do it?" for their own work phase: done, partly or not yet,
    with an optional note. Answering again changes the answer (the last one counts).

    The room hears of it (`CheckedOut`), to show a ✓ if the person lets it.
    """
    require_active(user=by)
    if session.user_id != by.pk:
        raise PermissionDenied("You can only check out your own sessions.")
    note = _valid_answer(outcome, note)
    row = SessionHistory.objects.select_for_update().get(pk=session.pk)
    return _check_out(row, by=by, outcome=outcome, note=note, now=now)


@transaction.atomic
def phase_check_out(
    *, by: User, room_id: int, seq: int, outcome: str, note: str = "", now: datetime | None = None
) -> SessionHistory:
    """`session_check_out` for the work phase `seq` of the room's timer, as `by` was in it.

    Refused while that phase has not ended (it has no history row yet), and for a phase
    `by` was not in the room for.
    """
    require_active(user=by)
    note = _valid_answer(outcome, note)
    row = (
        SessionHistory.objects.select_for_update().filter(user=by, room_id=room_id, seq=seq).first()
    )
    if row is None:
        raise ValidationError(
            "That work phase hasn't ended yet, or you weren't in the room for it.",
            code="conflict",
        )
    return _check_out(row, by=by, outcome=outcome, note=note, now=now)


def _valid_answer(outcome: str, note: str) -> str:
    """The note as it is kept; a refusal for an answer that is not one."""
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": "Answer done, partly or not yet."}, code="invalid")
    note = note.strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError(
            {"note": f"Keep the note to {NOTE_MAX_LENGTH} characters."}, code="max_length"
        )
    if "\x00" in note:
        raise ValidationError({"note": "The note can't contain that character."}, code="invalid")
    return note


def _check_out(
    row: SessionHistory, *, by: User, outcome: str, note: str, now: datetime | None
) -> SessionHistory:
    """Stores the answer on the locked row and tells the room."""
    if row.kind != SessionHistory.Kind.WORK:
        raise ValidationError("Only a work phase is checked out.", code="invalid")
    hit(f"checkout:{by.pk}", limit=30, per_seconds=60)
    row.outcome, row.outcome_note = outcome, note
    row.checked_out_at = now or timezone.now()
    row.save(update_fields=["outcome", "outcome_note", "checked_out_at"])
    publish_on_commit(
        CheckedOut(
            room_id=row.room_id,
            user_id=by.pk,
            seq=row.seq,
            outcome=outcome,
            shown=by.show_checkouts,
        )
    )
    return row
