"""The pure timer engine: every command, catching up, the long-break and auto-start rules.

No database: states, settings and `now` are plain values. Times are fixed aware UTC
datetimes, so every expected deadline is written out by hand.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest

from timers.engine import (
    COMMANDS,
    CompletedPhase,
    IllegalCommand,
    Phase,
    Status,
    TimerSettings,
    TimerState,
    advance,
    next_phase,
    pause,
    reset,
    resume,
    skip,
    start,
)

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
WORK, SHORT, LONG = 25 * 60, 5 * 60, 15 * 60


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def seconds(n: float) -> timedelta:
    return timedelta(seconds=n)


def make_settings(**overrides) -> TimerSettings:
    """The room defaults: 25/5/15 minutes, a long break every 4th work phase, breaks auto-start."""
    values = {
        "work_seconds": WORK,
        "short_break_seconds": SHORT,
        "long_break_seconds": LONG,
        "long_break_every": 4,
        "auto_start_breaks": True,
        "auto_start_work": False,
    }
    return TimerSettings(**(values | overrides))


def running_work(at: datetime = T0, *, seq: int = 1, cycle: int = 0) -> TimerState:
    return start(TimerState(seq=seq, cycle=cycle), make_settings(), at)


def paused_work(remaining: int = 900, *, seq: int = 1, cycle: int = 0) -> TimerState:
    return TimerState(
        status=Status.PAUSED,
        phase=Phase.WORK,
        seq=seq,
        cycle=cycle,
        remaining_seconds=remaining,
        phase_started_at=T0,
    )


def phases_of(completed: list[CompletedPhase]) -> list[Phase]:
    return [done.phase for done in completed]


# --- start -------------------------------------------------------------------------------


def test_start_from_idle_runs_the_work_phase_for_its_full_duration():
    state = start(TimerState(), make_settings(), T0)

    assert state == TimerState(
        status=Status.RUNNING,
        phase=Phase.WORK,
        seq=1,
        cycle=0,
        ends_at=T0 + minutes(25),
        remaining_seconds=None,
        phase_started_at=T0,
    )


def test_start_keeps_the_seq_and_cycle_of_the_waiting_phase():
    waiting = TimerState(status=Status.IDLE, phase=Phase.SHORT_BREAK, seq=7, cycle=3)

    state = start(waiting, make_settings(), T0)

    assert (state.status, state.phase, state.seq, state.cycle) == (
        Status.RUNNING,
        Phase.SHORT_BREAK,
        7,
        3,
    )
    assert state.ends_at == T0 + minutes(5)


def test_start_of_a_waiting_long_break_uses_the_long_duration():
    waiting = TimerState(status=Status.IDLE, phase=Phase.LONG_BREAK, seq=8, cycle=4)

    assert start(waiting, make_settings(), T0).ends_at == T0 + minutes(15)


# --- pause and resume --------------------------------------------------------------------


def test_pause_keeps_the_remaining_seconds_and_drops_the_deadline():
    state = pause(running_work(), make_settings(), T0 + minutes(10))

    assert state.status is Status.PAUSED
    assert state.remaining_seconds == 15 * 60
    assert state.ends_at is None
    assert (state.phase, state.seq, state.cycle) == (Phase.WORK, 1, 0)
    assert state.phase_started_at == T0
    assert state.paused_at == T0 + minutes(10)


def test_resume_runs_again_for_exactly_the_remaining_seconds():
    paused = pause(running_work(), make_settings(), T0 + minutes(10))

    state = resume(paused, make_settings(), T0 + minutes(70))

    assert state.status is Status.RUNNING
    assert state.ends_at == T0 + minutes(70) + minutes(15)
    assert state.remaining_seconds is None
    assert state.paused_at is None
    assert (state.phase, state.seq, state.cycle) == (Phase.WORK, 1, 0)
    assert state.phase_started_at == T0


def test_many_pauses_lose_and_gain_no_running_time():
    settings = make_settings()
    state = running_work()
    now = T0
    for run_for, pause_for in [(60, 600), (1, 5), (299, 3600), (40, 1)]:
        now += seconds(run_for)
        state = pause(state, settings, now)
        now += seconds(pause_for)
        state = resume(state, settings, now)

    ran = 60 + 1 + 299 + 40
    assert state.ends_at == now + seconds(WORK - ran)

    finished, completed = advance(state, settings, state.ends_at)
    assert len(completed) == 1
    assert completed[0].started_at == T0  # when it first started, not the last resume
    assert completed[0].ended_at == now + seconds(WORK - ran)
    assert completed[0].duration_seconds == WORK
    assert finished.phase is Phase.SHORT_BREAK


def test_pause_in_the_middle_of_a_second_rounds_the_remaining_time_up():
    # What the countdown showed at that instant; the phase can only gain the fraction.
    state = pause(running_work(), make_settings(), T0 + seconds(600.25))

    assert state.remaining_seconds == 900


def test_a_paused_timer_does_not_advance_however_late():
    paused = paused_work()

    state, completed = advance(paused, make_settings(), T0 + timedelta(days=3))

    assert state == paused
    assert completed == []


# --- skip --------------------------------------------------------------------------------


def test_skip_from_running_work_starts_a_short_break_without_counting_the_work():
    state = skip(running_work(), make_settings(), T0 + minutes(3))

    assert state == TimerState(
        status=Status.RUNNING,
        phase=Phase.SHORT_BREAK,
        seq=2,
        cycle=0,
        ends_at=T0 + minutes(3) + minutes(5),
        phase_started_at=T0 + minutes(3),
    )


def test_skip_from_work_before_a_long_break_is_due_still_gives_a_short_break():
    # Three work phases done: completing this one would earn the long break; skipping does not.
    state = skip(running_work(seq=7, cycle=3), make_settings(), T0 + minutes(1))

    assert state.phase is Phase.SHORT_BREAK
    assert state.cycle == 3
    assert state.seq == 8


def test_skip_from_running_work_waits_at_the_break_when_breaks_do_not_auto_start():
    state = skip(running_work(), make_settings(auto_start_breaks=False), T0 + minutes(3))

    assert state == TimerState(status=Status.IDLE, phase=Phase.SHORT_BREAK, seq=2, cycle=0)


@pytest.mark.parametrize("phase", [Phase.SHORT_BREAK, Phase.LONG_BREAK])
def test_skip_from_a_running_break_waits_at_work_when_work_does_not_auto_start(phase):
    settings = make_settings(auto_start_work=False)
    on_break = start(TimerState(phase=phase, seq=4, cycle=2), settings, T0)

    state = skip(on_break, settings, T0 + minutes(1))

    assert state == TimerState(status=Status.IDLE, phase=Phase.WORK, seq=5, cycle=2)


@pytest.mark.parametrize("phase", [Phase.SHORT_BREAK, Phase.LONG_BREAK])
def test_skip_from_a_running_break_starts_work_when_work_auto_starts(phase):
    settings = make_settings(auto_start_work=True)
    on_break = start(TimerState(phase=phase, seq=4, cycle=2), settings, T0)

    state = skip(on_break, settings, T0 + minutes(1))

    assert state.status is Status.RUNNING
    assert (state.phase, state.seq, state.cycle) == (Phase.WORK, 5, 2)
    assert state.ends_at == T0 + minutes(1) + minutes(25)
    assert state.phase_started_at == T0 + minutes(1)


def test_skip_while_paused_moves_on_but_waits_even_if_the_next_phase_auto_starts():
    state = skip(paused_work(seq=3), make_settings(auto_start_breaks=True), T0 + minutes(30))

    assert state == TimerState(status=Status.IDLE, phase=Phase.SHORT_BREAK, seq=4, cycle=0)


def test_skip_while_idle_moves_to_the_next_phase_and_waits():
    settings = make_settings(auto_start_breaks=True, auto_start_work=True)

    after_work = skip(TimerState(), settings, T0)
    after_break = skip(after_work, settings, T0)

    assert after_work == TimerState(status=Status.IDLE, phase=Phase.SHORT_BREAK, seq=2)
    assert after_break == TimerState(status=Status.IDLE, phase=Phase.WORK, seq=3)


# --- reset -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "state",
    [
        running_work(seq=9, cycle=3),
        paused_work(seq=9, cycle=3),
        TimerState(status=Status.IDLE, phase=Phase.SHORT_BREAK, seq=9, cycle=3),
        TimerState(status=Status.IDLE, phase=Phase.WORK, seq=9, cycle=3),
        TimerState(status=Status.IDLE, phase=Phase.SHORT_BREAK, seq=9, cycle=0),
        running_work(seq=9, cycle=0),
    ],
    ids=[
        "running",
        "paused",
        "idle-break",
        "idle-work-mid-cycle",
        "idle-break-no-cycle",
        "running-first-work",
    ],
)
def test_reset_goes_back_to_idle_work_with_no_cycles_and_a_new_seq(state):
    assert reset(state, make_settings(), T0 + minutes(1)) == TimerState(
        status=Status.IDLE, phase=Phase.WORK, seq=10, cycle=0
    )


def test_start_after_reset_uses_the_new_seq_so_history_never_reuses_one():
    settings = make_settings()
    first = running_work()

    again = start(reset(first, settings, T0 + minutes(5)), settings, T0 + minutes(6))

    assert again.seq == first.seq + 1
    assert again.ends_at == T0 + minutes(6) + minutes(25)


# --- illegal commands --------------------------------------------------------------------

ILLEGAL = [
    ("pause", TimerState(), "Only a running timer can be paused."),
    ("pause", paused_work(), "Only a running timer can be paused."),
    ("resume", running_work(), "Only a paused timer can be resumed."),
    ("resume", TimerState(), "Only a paused timer can be resumed."),
    ("start", running_work(), "The timer is already running."),
    ("start", paused_work(), "The timer is paused; resume it instead."),
    ("reset", TimerState(), "The timer is already reset."),
    ("reset", TimerState(seq=12), "The timer is already reset."),
]


@pytest.mark.parametrize(
    ("command", "state", "message"),
    ILLEGAL,
    ids=[
        "pause-idle",
        "pause-paused",
        "resume-running",
        "resume-idle",
        "start-running",
        "start-paused",
        "reset-fresh",
        "reset-reset",
    ],
)
def test_an_illegal_command_raises_with_a_message_and_changes_nothing(command, state, message):
    before = replace(state)

    with pytest.raises(IllegalCommand, match=f"^{message}$".replace(".", r"\.")):
        COMMANDS[command](state, make_settings(), T0 + minutes(1))

    assert state == before


def test_commands_are_looked_up_by_the_names_the_forms_send():
    expected = {"start": start, "pause": pause, "resume": resume, "skip": skip, "reset": reset}
    assert expected == COMMANDS


def test_skip_is_legal_in_every_status():
    settings = make_settings()
    for state in (TimerState(), running_work(), paused_work()):
        assert skip(state, settings, T0 + minutes(1)).seq == state.seq + 1


# --- advance -----------------------------------------------------------------------------


def test_advance_before_the_deadline_changes_nothing():
    state = running_work()

    for now in (T0, T0 + minutes(10), T0 + minutes(25) - seconds(0.001)):
        assert advance(state, make_settings(), now) == (state, [])


def test_advance_of_an_idle_timer_changes_nothing():
    state = TimerState(status=Status.IDLE, phase=Phase.SHORT_BREAK, seq=3, cycle=1)

    assert advance(state, make_settings(), T0 + timedelta(days=30)) == (state, [])


def test_a_deadline_exactly_equal_to_now_completes():
    state, completed = advance(running_work(), make_settings(), T0 + minutes(25))

    assert completed == [
        CompletedPhase(
            seq=1,
            phase=Phase.WORK,
            started_at=T0,
            ended_at=T0 + minutes(25),
            duration_seconds=WORK,
        )
    ]
    assert state == TimerState(
        status=Status.RUNNING,
        phase=Phase.SHORT_BREAK,
        seq=2,
        cycle=1,
        ends_at=T0 + minutes(30),
        phase_started_at=T0 + minutes(25),
    )


def test_a_phase_processed_late_ends_at_its_deadline_not_when_it_was_seen():
    state, completed = advance(running_work(), make_settings(), T0 + minutes(27))

    assert [done.ended_at for done in completed] == [T0 + minutes(25)]
    # The break started at the deadline too, so it is already two minutes in.
    assert state.ends_at == T0 + minutes(30)
    assert state.remaining_at(T0 + minutes(27), make_settings()) == 3 * 60


def test_advance_completes_several_phases_at_once_in_order():
    settings = make_settings(auto_start_work=True)
    now = T0 + minutes(25 + 5 + 25 + 5 + 25 + 2)

    state, completed = advance(running_work(), settings, now)

    assert phases_of(completed) == [
        Phase.WORK,
        Phase.SHORT_BREAK,
        Phase.WORK,
        Phase.SHORT_BREAK,
        Phase.WORK,
    ]
    assert [done.seq for done in completed] == [1, 2, 3, 4, 5]
    assert [done.duration_seconds for done in completed] == [WORK, SHORT, WORK, SHORT, WORK]
    assert [done.ended_at for done in completed] == [
        T0 + minutes(25),
        T0 + minutes(30),
        T0 + minutes(55),
        T0 + minutes(60),
        T0 + minutes(85),
    ]
    # Each phase started when the one before it ended: no gaps, no overlaps.
    assert [done.started_at for done in completed] == [T0] + [
        done.ended_at for done in completed[:-1]
    ]
    assert (state.status, state.phase, state.seq, state.cycle) == (
        Status.RUNNING,
        Phase.SHORT_BREAK,
        6,
        3,
    )
    durations = sum(done.duration_seconds for done in completed) + SHORT
    assert state.ends_at == T0 + seconds(durations)


def test_advancing_in_small_steps_gives_the_same_result_as_one_late_look():
    settings = make_settings(auto_start_work=True)
    end = T0 + timedelta(hours=7, seconds=13)

    at_once, completed_at_once = advance(running_work(), settings, end)

    state, completed_in_steps = running_work(), []
    now = T0
    while now < end:
        now = min(end, now + seconds(47))
        state, completed = advance(state, settings, now)
        completed_in_steps += completed

    assert state == at_once
    assert completed_in_steps == completed_at_once
    assert len(completed_at_once) > 10


def test_advancing_twice_to_the_same_moment_completes_nothing_more():
    settings = make_settings(auto_start_work=True)
    once, completed = advance(running_work(), settings, T0 + minutes(100))

    assert completed
    assert advance(once, settings, T0 + minutes(100)) == (once, [])


def test_a_completed_phase_without_a_recorded_start_is_dated_back_from_its_deadline():
    # States stored before phase_started_at existed have none.
    state = replace(running_work(), phase_started_at=None)

    _, completed = advance(state, make_settings(), T0 + minutes(25))

    assert completed[0].started_at == T0


# --- the long-break rule -----------------------------------------------------------------


def run_for_a_day(settings: TimerSettings) -> tuple[TimerState, list[CompletedPhase]]:
    return advance(running_work(), settings, T0 + timedelta(hours=24))


def breaks_of(completed: list[CompletedPhase]) -> list[Phase]:
    return [phase for phase in phases_of(completed) if phase.is_break]


def test_every_fourth_work_phase_is_followed_by_a_long_break_by_default():
    _, completed = run_for_a_day(make_settings(auto_start_work=True))

    breaks = breaks_of(completed)
    assert breaks[:8] == [Phase.SHORT_BREAK] * 3 + [Phase.LONG_BREAK] + [Phase.SHORT_BREAK] * 3 + [
        Phase.LONG_BREAK
    ]
    long_positions = [i + 1 for i, phase in enumerate(breaks) if phase is Phase.LONG_BREAK]
    assert long_positions == list(range(4, len(breaks) + 1, 4))
    assert [done.duration_seconds for done in completed[:8]] == [
        WORK,
        SHORT,
        WORK,
        SHORT,
        WORK,
        SHORT,
        WORK,
        LONG,
    ]


def test_long_break_every_zero_means_never_a_long_break():
    _, completed = run_for_a_day(make_settings(auto_start_work=True, long_break_every=0))

    assert len(breaks_of(completed)) > 20
    assert set(breaks_of(completed)) == {Phase.SHORT_BREAK}


def test_long_break_every_one_makes_every_break_long():
    _, completed = run_for_a_day(make_settings(auto_start_work=True, long_break_every=1))

    assert len(breaks_of(completed)) > 20
    assert set(breaks_of(completed)) == {Phase.LONG_BREAK}


def test_long_break_every_two_alternates():
    _, completed = run_for_a_day(make_settings(auto_start_work=True, long_break_every=2))

    assert breaks_of(completed)[:6] == [Phase.SHORT_BREAK, Phase.LONG_BREAK] * 3


def test_the_long_break_counts_work_done_before_a_manual_start():
    # Three work phases done, the timer waiting at work: completing it earns the long break.
    settings = make_settings()
    state = start(TimerState(seq=7, cycle=3), settings, T0)

    state, completed = advance(state, settings, T0 + minutes(25))

    assert phases_of(completed) == [Phase.WORK]
    assert (state.phase, state.cycle, state.ends_at) == (
        Phase.LONG_BREAK,
        4,
        T0 + minutes(25 + 15),
    )


@pytest.mark.parametrize("every", [0, 1, 4])
def test_the_phase_after_work_with_no_work_completed_is_a_short_break(every):
    assert next_phase(Phase.WORK, 0, make_settings(long_break_every=every)) is Phase.SHORT_BREAK


@pytest.mark.parametrize(
    ("every", "cycle", "expected"),
    [
        (4, 3, Phase.SHORT_BREAK),
        (4, 4, Phase.LONG_BREAK),
        (4, 5, Phase.SHORT_BREAK),
        (4, 8, Phase.LONG_BREAK),
        (0, 4, Phase.SHORT_BREAK),
        (1, 1, Phase.LONG_BREAK),
        (1, 2, Phase.LONG_BREAK),
    ],
)
def test_the_phase_after_work_follows_the_long_break_rule(every, cycle, expected):
    assert next_phase(Phase.WORK, cycle, make_settings(long_break_every=every)) is expected


@pytest.mark.parametrize("phase", [Phase.SHORT_BREAK, Phase.LONG_BREAK])
def test_the_phase_after_a_break_is_always_work(phase):
    assert next_phase(phase, 4, make_settings()) is Phase.WORK


def test_reset_starts_counting_towards_the_long_break_again():
    settings = make_settings(auto_start_work=True)
    state, _ = advance(running_work(), settings, T0 + minutes(25 + 5 + 25 + 5 + 25 + 5 + 1))
    assert state.cycle == 3

    state = start(reset(state, settings, T0 + minutes(92)), settings, T0 + minutes(92))
    state, completed = advance(state, settings, T0 + minutes(92 + 25))

    assert phases_of(completed) == [Phase.WORK]
    assert (state.phase, state.cycle) == (Phase.SHORT_BREAK, 1)


# --- auto-start --------------------------------------------------------------------------


def test_with_breaks_not_auto_starting_the_timer_stops_idle_at_the_break():
    settings = make_settings(auto_start_breaks=False, auto_start_work=True)

    state, completed = advance(running_work(), settings, T0 + timedelta(hours=5))

    assert phases_of(completed) == [Phase.WORK]
    assert state == TimerState(status=Status.IDLE, phase=Phase.SHORT_BREAK, seq=2, cycle=1)
    assert state.remaining_at(T0 + timedelta(hours=5), settings) == SHORT


def test_with_breaks_auto_starting_but_not_work_the_timer_stops_idle_after_the_break():
    settings = make_settings(auto_start_breaks=True, auto_start_work=False)

    state, completed = advance(running_work(), settings, T0 + timedelta(hours=5))

    assert phases_of(completed) == [Phase.WORK, Phase.SHORT_BREAK]
    assert completed[1].ended_at == T0 + minutes(30)
    assert state == TimerState(status=Status.IDLE, phase=Phase.WORK, seq=3, cycle=1)


def test_with_neither_auto_starting_the_timer_stops_after_each_phase():
    settings = make_settings(auto_start_breaks=False, auto_start_work=False)

    state, completed = advance(running_work(), settings, T0 + minutes(26))
    assert phases_of(completed) == [Phase.WORK]
    assert state == TimerState(status=Status.IDLE, phase=Phase.SHORT_BREAK, seq=2, cycle=1)

    state = start(state, settings, T0 + minutes(40))
    state, completed = advance(state, settings, T0 + minutes(60))
    assert completed == [
        CompletedPhase(
            seq=2,
            phase=Phase.SHORT_BREAK,
            started_at=T0 + minutes(40),
            ended_at=T0 + minutes(45),
            duration_seconds=SHORT,
        )
    ]
    assert state == TimerState(status=Status.IDLE, phase=Phase.WORK, seq=3, cycle=1)


def test_with_only_work_auto_starting_a_manually_started_break_leads_into_work():
    settings = make_settings(auto_start_breaks=False, auto_start_work=True)
    waiting = TimerState(status=Status.IDLE, phase=Phase.SHORT_BREAK, seq=2, cycle=1)

    state, completed = advance(start(waiting, settings, T0), settings, T0 + minutes(6))

    assert phases_of(completed) == [Phase.SHORT_BREAK]
    assert state.status is Status.RUNNING
    assert (state.phase, state.seq, state.ends_at) == (Phase.WORK, 3, T0 + minutes(30))


def test_with_both_auto_starting_the_timer_catches_up_through_many_cycles():
    # Down for a day: every phase completes at its own deadline, in one call.
    settings = make_settings(auto_start_breaks=True, auto_start_work=True)
    now = T0 + timedelta(hours=24)

    state, completed = advance(running_work(), settings, now)

    cycle_length = 4 * WORK + 3 * SHORT + LONG  # 2 h 10 min
    assert (24 * 3600) // cycle_length == 11  # 23 h 50 min; the next work ends at 24 h 15
    assert len(completed) == 11 * 8
    assert [done.seq for done in completed] == list(range(1, len(completed) + 1))
    assert all(later.started_at == earlier.ended_at for earlier, later in pairwise(completed))
    assert state.cycle == sum(1 for done in completed if done.phase is Phase.WORK)
    assert state.seq == len(completed) + 1
    assert state.status is Status.RUNNING
    assert state.phase_started_at == completed[-1].ended_at
    assert state.ends_at == T0 + seconds(
        sum(done.duration_seconds for done in completed) + settings.duration(state.phase)
    )
    assert completed[-1].ended_at <= now < state.ends_at


# --- remaining_at and elapsed_at ---------------------------------------------------------


def test_remaining_while_running_is_whole_seconds_rounded_up():
    state = running_work()
    settings = make_settings()

    assert state.remaining_at(T0, settings) == WORK
    assert state.remaining_at(T0 + minutes(10), settings) == 900
    assert state.remaining_at(T0 + seconds(600.2), settings) == 900
    assert state.remaining_at(T0 + seconds(600.999), settings) == 900
    assert state.remaining_at(T0 + minutes(25) - seconds(0.001), settings) == 1


def test_remaining_past_an_unprocessed_deadline_is_zero_not_negative():
    assert running_work().remaining_at(T0 + minutes(40), make_settings()) == 0


def test_remaining_while_paused_is_the_stored_remaining_whatever_the_clock():
    state = paused_work(remaining=321)

    assert state.remaining_at(T0, make_settings()) == 321
    assert state.remaining_at(T0 + timedelta(days=2), make_settings()) == 321


@pytest.mark.parametrize(
    ("phase", "expected"),
    [(Phase.WORK, WORK), (Phase.SHORT_BREAK, SHORT), (Phase.LONG_BREAK, LONG)],
)
def test_remaining_while_idle_is_the_full_duration_of_the_waiting_phase(phase, expected):
    state = TimerState(status=Status.IDLE, phase=phase)

    assert state.remaining_at(T0, make_settings()) == expected


def test_elapsed_while_running_counts_whole_seconds_done():
    state = running_work()
    settings = make_settings()

    assert state.elapsed_at(T0, settings) == 0
    assert state.elapsed_at(T0 + seconds(0.5), settings) == 0
    assert state.elapsed_at(T0 + minutes(10), settings) == 600
    assert state.elapsed_at(T0 + seconds(600.7), settings) == 600
    assert state.elapsed_at(T0 + minutes(40), settings) == WORK  # never beyond the phase


def test_elapsed_after_a_pause_counts_only_running_time():
    settings = make_settings()
    state = pause(running_work(), settings, T0 + minutes(10))
    assert state.elapsed_at(T0 + minutes(50), settings) == 600

    state = resume(state, settings, T0 + minutes(60))
    assert state.elapsed_at(T0 + minutes(62), settings) == 720


def test_elapsed_while_idle_is_zero():
    assert TimerState().elapsed_at(T0, make_settings()) == 0
    assert TimerState(phase=Phase.LONG_BREAK).elapsed_at(T0, make_settings()) == 0


def test_elapsed_and_remaining_always_add_up_to_the_phase():
    settings = make_settings()
    state = running_work()
    for tenths in range(0, 15 * 60 * 10, 37):
        now = T0 + seconds(tenths / 10)
        assert state.elapsed_at(now, settings) + state.remaining_at(now, settings) == WORK


# --- settings ----------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["work_seconds", "short_break_seconds", "long_break_seconds"])
def test_settings_refuse_a_zero_length_phase_that_would_never_let_advance_finish(field):
    with pytest.raises(ValueError, match=field):
        make_settings(**{field: 0})


def test_settings_refuse_a_negative_long_break_rule():
    with pytest.raises(ValueError, match="long_break_every"):
        make_settings(long_break_every=-1)


def test_durations_are_looked_up_by_phase():
    settings = make_settings(work_seconds=3, short_break_seconds=2, long_break_seconds=1)

    assert [settings.duration(phase) for phase in Phase] == [3, 2, 1]
