"""Moments when the process should not stop for a full garbage collection.

With a thousand sockets open, a full collection walks every object of the process:
0.33-0.39 s here, during which no frame leaves (logged with `gc.callbacks` in
bench/timers_due.py, where one fell between a class's deadline and its last push). The
timer scheduler holds collections from just before a deadline until the pass's pushes
are out: automatic ones are switched off meanwhile, and the presence heartbeat's
explicit one waits for a later beat. Holds never chain for longer than
MAX_HELD_SECONDS, so a site whose deadlines never pause still collects.

What it replaces: Python's collector running whenever its thresholds say, deadlines or
not (Python offers freezing objects, which serve does for start-up's, but no "not now").
What it buys, median of 3 runs each, off and on alternately (2026-12-07, PostgreSQL +
Redis, 300 rooms due in the same second, on a 2-core machine loaded to 15-16 by other
work): deadline to frame p50 1656 -> 935 ms, p99 1895 -> 1192 ms (docs/performance.md,
"What the kit buys"). Shown by:

    DATABASE_URL=postgres://... REDIS_URL=redis://... .venv/bin/python bench/kit.py gcpause due
"""

from __future__ import annotations

import gc
import threading
import time

from django.conf import settings

MAX_HELD_SECONDS = 5.0

_lock = threading.Lock()
_until = 0.0  # time.monotonic() until which collections are held
_held_since: float | None = None
_was_enabled = True
_release_timer: threading.Timer | None = None


def hold(*, until: float) -> bool:
    """No collection before `until` (a `time.monotonic()`); returns whether it holds."""
    global _until, _held_since, _was_enabled, _release_timer
    if "gcpause" in settings.PERF_KIT_OFF:  # measuring what it buys (bench/kit.py)
        return False
    now = time.monotonic()
    with _lock:
        if _held_since is None:
            _held_since, _was_enabled = now, gc.isenabled()
        until = min(until, _held_since + MAX_HELD_SECONDS)
        if until <= now:
            return False
        if until <= _until:
            return True
        _until = until
        gc.disable()
        if _release_timer is not None:
            _release_timer.cancel()
        _release_timer = threading.Timer(until - now, _release)
        _release_timer.daemon = True
        _release_timer.start()
    return True


def _release() -> None:
    global _held_since, _release_timer
    with _lock:
        if time.monotonic() < _until - 0.05 or _held_since is None:
            return  # held longer since: that hold's timer releases
        if _was_enabled:
            gc.enable()
        _held_since, _release_timer = None, None


def held() -> bool:
    return time.monotonic() < _until


def collect() -> bool:
    """A full collection now, unless one is held; returns whether it ran."""
    if held():
        return False
    gc.collect()
    return True
