"""The timer engine: pure functions from (state, settings, now) to a new state.

No database and no clock of its own. A running timer's state is its deadline; time is
never ticked. `advance` catches a state up to `now`, completing every phase whose
deadline has passed, each at its deadline (so a late look, or a server that was down,
produces exactly the phases that would have completed, with their true end times).
Commands (`start`, `pause`, …) expect a state that was advanced to `now` first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum


class Status(StrEnum):
    IDLE = "idle"
    RUNNING = "running"
    PAUSED = "paused"


class Phase(StrEnum):
    WORK = "work"
    SHORT_BREAK = "short_break"
    LONG_BREAK = "long_break"

    @property
    def is_break(self) -> bool:
        return self is not Phase.WORK


class IllegalCommand(Exception):
    """A command that makes no sense in the timer's current state (pause while idle, …)."""


@dataclass(frozen=True)
class TimerSettings:
    work_seconds: int
    short_break_seconds: int
    long_break_seconds: int
    long_break_every: int  # a long break after every Nth work phase; 0 = never
    auto_start_breaks: bool
    auto_start_work: bool

    def __post_init__(self) -> None:
        # A zero-length phase would make `advance` complete phases forever at one instant.
        for name in ("work_seconds", "short_break_seconds", "long_break_seconds"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1 second.")
        if self.long_break_every < 0:
            raise ValueError("long_break_every must be 0 (never) or more.")

    def duration(self, phase: Phase) -> int:
        return {
            Phase.WORK: self.work_seconds,
            Phase.SHORT_BREAK: self.short_break_seconds,
            Phase.LONG_BREAK: self.long_break_seconds,
        }[phase]

    def auto_starts(self, phase: Phase) -> bool:
        return self.auto_start_breaks if phase.is_break else self.auto_start_work


@dataclass(frozen=True)
class TimerState:
    status: Status = Status.IDLE
    phase: Phase = Phase.WORK
    seq: int = 1  # identifies the current phase; grows by one at every new phase
    cycle: int = 0  # work phases completed since the last reset
    ends_at: datetime | None = None  # while running
    remaining_seconds: int | None = None  # while paused
    phase_started_at: datetime | None = None  # when the current phase first started
    paused_at: datetime | None = None  # while paused: when it was paused

    def remaining_at(self, now: datetime, settings: TimerSettings) -> int:
        """Whole seconds left in the current phase (rounded up, as a countdown shows)."""
        if self.status is Status.RUNNING:
            assert self.ends_at is not None
            return max(0, math.ceil((self.ends_at - now).total_seconds()))
        if self.status is Status.PAUSED:
            assert self.remaining_seconds is not None
            return self.remaining_seconds
        return settings.duration(self.phase)

    def elapsed_at(self, now: datetime, settings: TimerSettings) -> int:
        """Running seconds of the current phase so far."""
        if self.status is Status.RUNNING:
            assert self.ends_at is not None
            left = max(0.0, (self.ends_at - now).total_seconds())
            return max(0, settings.duration(self.phase) - math.ceil(left))
        if self.status is Status.PAUSED:
            return max(0, settings.duration(self.phase) - (self.remaining_seconds or 0))
        return 0


@dataclass(frozen=True)
class CompletedPhase:
    seq: int
    phase: Phase
    started_at: datetime
    ended_at: datetime  # the deadline, not the moment it was processed
    duration_seconds: int


def next_phase(phase: Phase, cycle: int, settings: TimerSettings) -> Phase:
    """The phase after `phase`, where `cycle` counts work phases completed so far."""
    if phase.is_break:
        return Phase.WORK
    if settings.long_break_every and cycle > 0 and cycle % settings.long_break_every == 0:
        return Phase.LONG_BREAK
    return Phase.SHORT_BREAK


def _begin(
    phase: Phase, *, seq: int, cycle: int, at: datetime, run: bool, settings: TimerSettings
) -> TimerState:
    if run:
        return TimerState(
            status=Status.RUNNING,
            phase=phase,
            seq=seq,
            cycle=cycle,
            ends_at=at + timedelta(seconds=settings.duration(phase)),
            phase_started_at=at,
        )
    return TimerState(status=Status.IDLE, phase=phase, seq=seq, cycle=cycle)


def is_due(state: TimerState, now: datetime) -> bool:
    """Whether `advance` would complete a phase at `now` (a check, not a run)."""
    return state.status is Status.RUNNING and state.ends_at is not None and state.ends_at <= now


def advance(
    state: TimerState, settings: TimerSettings, now: datetime
) -> tuple[TimerState, list[CompletedPhase]]:
    """Completes every phase whose deadline is at or before `now`, in order."""
    completed: list[CompletedPhase] = []
    while is_due(state, now):
        deadline = state.ends_at
        completed.append(
            CompletedPhase(
                seq=state.seq,
                phase=state.phase,
                started_at=state.phase_started_at
                or deadline - timedelta(seconds=settings.duration(state.phase)),
                ended_at=deadline,
                duration_seconds=settings.duration(state.phase),
            )
        )
        cycle = state.cycle + (0 if state.phase.is_break else 1)
        following = next_phase(state.phase, cycle, settings)
        state = _begin(
            following,
            seq=state.seq + 1,
            cycle=cycle,
            at=deadline,
            run=settings.auto_starts(following),
            settings=settings,
        )
    return state, completed


def start(state: TimerState, settings: TimerSettings, now: datetime) -> TimerState:
    if state.status is Status.RUNNING:
        raise IllegalCommand("The timer is already running.")
    if state.status is Status.PAUSED:
        raise IllegalCommand("The timer is paused; resume it instead.")
    return _begin(
        state.phase, seq=state.seq, cycle=state.cycle, at=now, run=True, settings=settings
    )


def pause(state: TimerState, settings: TimerSettings, now: datetime) -> TimerState:
    if state.status is not Status.RUNNING:
        raise IllegalCommand("Only a running timer can be paused.")
    return replace(
        state,
        status=Status.PAUSED,
        ends_at=None,
        remaining_seconds=state.remaining_at(now, settings),
        paused_at=now,
    )


def resume(state: TimerState, settings: TimerSettings, now: datetime) -> TimerState:
    if state.status is not Status.PAUSED:
        raise IllegalCommand("Only a paused timer can be resumed.")
    assert state.remaining_seconds is not None
    return replace(
        state,
        status=Status.RUNNING,
        ends_at=now + timedelta(seconds=state.remaining_seconds),
        remaining_seconds=None,
        paused_at=None,
    )


def skip(state: TimerState, settings: TimerSettings, now: datetime) -> TimerState:
    """Ends the current phase now without counting it; the next phase follows.

    A skipped work phase does not count towards the long-break rule, so it is always
    followed by a short break. The next phase runs at once if the timer was running
    and that phase auto-starts; otherwise it waits.
    """
    following = Phase.WORK if state.phase.is_break else Phase.SHORT_BREAK
    run = state.status is Status.RUNNING and settings.auto_starts(following)
    return _begin(
        following, seq=state.seq + 1, cycle=state.cycle, at=now, run=run, settings=settings
    )


def reset(state: TimerState, settings: TimerSettings, now: datetime) -> TimerState:
    """Back to an idle work phase with the cycle count cleared."""
    if state.status is Status.IDLE and state.phase is Phase.WORK and state.cycle == 0:
        raise IllegalCommand("The timer is already reset.")
    return TimerState(seq=state.seq + 1)


COMMANDS = {"start": start, "pause": pause, "resume": resume, "skip": skip, "reset": reset}


def legal_commands(state: TimerState) -> list[str]:
    """The commands that make sense now, in the order the controls show them.

    The one list: `run` refuses anything else, and the timer partial shows exactly these.
    """
    if state.status is Status.RUNNING:
        return ["pause", "skip", "reset"]
    if state.status is Status.PAUSED:
        return ["resume", "skip", "reset"]
    if state.phase is Phase.WORK and state.cycle == 0:
        return ["start"]  # a fresh timer: nothing to skip or reset yet
    return ["start", "skip", "reset"]


def run(name: str, state: TimerState, settings: TimerSettings, now: datetime) -> TimerState:
    """Applies the named command, or raises IllegalCommand if it is not legal now."""
    if name not in legal_commands(state):
        if name in COMMANDS:
            COMMANDS[name](state, settings, now)  # raises with the command's own reason
        raise IllegalCommand(f"You can't {name} the timer right now.")
    return COMMANDS[name](state, settings, now)
