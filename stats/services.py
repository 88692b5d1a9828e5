"""Writes to the session history. The timer services call `sessions_record` with the
phases that completed and who was there; nothing else writes history."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from focusmate.events import SessionsRecorded, publish_on_commit
from stats.models import SessionHistory

if TYPE_CHECKING:
    from timers.engine import CompletedPhase


@dataclass(frozen=True)
class Attendance:
    """A member present in the room, and where in the timer they arrived."""

    user_id: int
    joined_at: datetime
    joined_seq: int
    joined_elapsed_seconds: int


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
                )
            )
    return rows
