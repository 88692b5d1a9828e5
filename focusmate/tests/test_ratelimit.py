"""The sliding-window limit: no burst slips through at a window's edge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from focusmate.lib.ratelimit import RateLimited, hit

EDGE = datetime(2026, 1, 5, 9, 0, 59, tzinfo=UTC)  # one second before a minute's window ends


def _allowed(count: int) -> int:
    done = 0
    for _ in range(count):
        try:
            hit("test-key", limit=10, per_seconds=60)
        except RateLimited:
            continue
        done += 1
    return done


def test_a_burst_at_the_window_edge_is_not_let_through_twice(time_machine):
    time_machine.move_to(EDGE, tick=False)
    assert _allowed(10) == 10

    time_machine.move_to(EDGE + timedelta(seconds=2), tick=False)  # the next window began

    # A fixed window would allow 10 more here; the previous window still weighs ~97%.
    assert _allowed(10) == 0


def test_the_limit_comes_back_as_the_previous_window_fades(time_machine):
    time_machine.move_to(EDGE, tick=False)
    assert _allowed(10) == 10

    time_machine.move_to(EDGE + timedelta(seconds=31), tick=False)  # half a window later

    assert _allowed(10) == 5


def test_the_refusal_says_when_to_try_again(time_machine):
    time_machine.move_to(EDGE, tick=False)
    _allowed(10)

    with pytest.raises(RateLimited, match=r"try again in \d+ seconds?\."):
        hit("test-key", limit=10, per_seconds=60)


def test_keys_are_counted_apart(time_machine):
    time_machine.move_to(EDGE, tick=False)
    _allowed(10)

    hit("another-key", limit=10, per_seconds=60)  # not refused
