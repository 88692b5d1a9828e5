"""Holding garbage collections around a deadline."""

from __future__ import annotations

import gc
import time

import pytest

from focusmate.lib import gcpause


@pytest.fixture(autouse=True)
def _released():
    yield
    with gcpause._lock:
        gcpause._until = 0.0
    gcpause._release()
    gc.enable()


def _wait_for(condition, seconds: float = 2.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)  # a timer thread's work, not a timing under test
    return condition()


def test_a_hold_switches_collections_off_until_its_end():
    assert gcpause.hold(until=time.monotonic() + 0.2)

    assert not gc.isenabled()
    assert gcpause.held()
    assert not gcpause.collect()  # the heartbeat's waits
    assert _wait_for(gc.isenabled)
    assert not gcpause.held()
    assert gcpause.collect()


def test_a_later_hold_extends_an_earlier_one():
    gcpause.hold(until=time.monotonic() + 0.1)
    gcpause.hold(until=time.monotonic() + 0.6)

    time.sleep(0.3)  # past the first hold's end: still held by the second
    assert not gc.isenabled()
    assert _wait_for(gc.isenabled)


def test_holds_never_chain_past_their_limit(monkeypatch):
    monkeypatch.setattr(gcpause, "MAX_HELD_SECONDS", 0.3)
    started = time.monotonic()
    while time.monotonic() - started < 0.25:
        gcpause.hold(until=time.monotonic() + 0.2)
        time.sleep(0.02)

    assert not gcpause.hold(until=time.monotonic() + 0.2) or gcpause._until <= started + 0.31
    assert _wait_for(gc.isenabled, seconds=1.0)


def test_collections_left_off_by_someone_else_stay_off():
    gc.disable()
    gcpause.hold(until=time.monotonic() + 0.1)

    assert _wait_for(lambda: gcpause._held_since is None)  # released
    assert not gc.isenabled()
