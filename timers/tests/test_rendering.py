"""The timer partial: filled in per room from one rendering per look, it is the partial
the template renders for that room."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from django.template.loader import render_to_string

from timers import engine
from timers.rendering import render_timer, timer_context

NOW = datetime(2026, 11, 30, 12, 0, 0, 123456, tzinfo=UTC)


@dataclass(frozen=True)
class Shown:
    room_id: int
    version: int
    state: engine.TimerState
    settings: engine.TimerSettings


def _settings(**changes) -> engine.TimerSettings:
    values = dict(
        work_seconds=25 * 60,
        short_break_seconds=5 * 60,
        long_break_seconds=15 * 60,
        long_break_every=4,
        auto_start_breaks=True,
        auto_start_work=False,
    )
    return engine.TimerSettings(**(values | changes))


STATES = [
    engine.TimerState(),
    engine.TimerState(
        status=engine.Status.RUNNING, seq=3, cycle=1, ends_at=NOW + timedelta(seconds=90.5)
    ),
    engine.TimerState(
        status=engine.Status.RUNNING,
        phase=engine.Phase.SHORT_BREAK,
        seq=2,
        cycle=1,
        ends_at=NOW + timedelta(minutes=5),
        phase_started_at=NOW,
    ),
    engine.TimerState(
        status=engine.Status.PAUSED,
        phase=engine.Phase.LONG_BREAK,
        seq=8,
        cycle=4,
        remaining_seconds=3700,
    ),
    # Its deadline passed: shown as the phase after it.
    engine.TimerState(
        status=engine.Status.RUNNING, seq=5, cycle=2, ends_at=NOW - timedelta(seconds=1)
    ),
]


def _rendered_by_the_template(shown: Shown, *, oob: bool, now: datetime) -> str:
    return render_to_string("timers/_timer.html", timer_context(shown, now=now) | {"oob": oob})


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("timer_settings", [_settings(), _settings(long_break_every=0)])
@pytest.mark.parametrize("oob", [True, False])
def test_each_room_gets_the_partial_the_template_renders_for_it(state, timer_settings, oob):
    # The same look in several rooms, versions and moments: all but the first are filled in.
    for room_id, version, moment in [
        (1, 1, NOW),
        (22, 7, NOW),
        (333, 12, NOW + timedelta(microseconds=41)),
    ]:
        shown = Shown(room_id=room_id, version=version, state=state, settings=timer_settings)

        html = render_timer(shown, oob=oob, now=moment)

        assert html == _rendered_by_the_template(shown, oob=oob, now=moment)
        assert f'data-version="{version}"' in html
        assert f"/rooms/{room_id}/timer/" in html or f"/{room_id}/" in html


def test_another_second_left_is_another_look():
    state = STATES[1]
    shown = Shown(room_id=5, version=1, state=state, settings=_settings())

    first = render_timer(shown, now=NOW)
    later = render_timer(shown, now=NOW + timedelta(seconds=1))

    assert "01:31" in first
    assert "01:30" in later
    assert later == _rendered_by_the_template(shown, oob=False, now=NOW + timedelta(seconds=1))
