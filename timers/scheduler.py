"""The timer scheduler: advances due timers without any browser open.

It sleeps until the earliest deadline (capped by the sync interval), not polling
every room each second, and wakes early when a service starts a timer (a message on
the `timers.scheduler` group, so a scheduler in another process hears it too
through Redis). Several schedulers may run: rows are claimed with SKIP LOCKED.

Its passes run on a thread of their own. On Channels' one shared database thread a
pass due now waited behind whatever the sockets had queued there (a presence
heartbeat over a thousand sockets, measured with py-spy).

The periodic sync (every running timer pushed again) keeps out of a deadline's way: it
does not start when a deadline falls within SYNC_CLEARANCE_SECONDS, nor that soon after
a pass that pushed, so a class's phases ending together are not queued behind a
thousand rooms' sync, nor their pushes behind another thousand. It is put off at most
SYNC_DEFER_LIMIT_SECONDS past its time, so a site whose deadlines never pause still
gets it.

Other apps' due work (scheduled sessions starting, reminders, attendance) runs in the
same passes: an app registers it with `register_due_work` (from its AppConfig.ready, as
timers may not import the apps above it), and the scheduler also sleeps until its
earliest due moment.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import close_old_connections, connections
from django.utils import timezone

from focusmate.lib import gcpause
from timers import services

logger = logging.getLogger("focusmate.scheduler")

# A cap on one sleep: a deadline is never missed by more than this if a wake-up is lost.
MAX_SLEEP_SECONDS = 30.0
# Above what a sync of a thousand rooms takes on a busy 2-core machine (bench/timers_due.py).
SYNC_CLEARANCE_SECONDS = 1.0
SYNC_DEFER_LIMIT_SECONDS = 5.0
# From this long before a deadline until this long after it, no full garbage collection
# (0.35 s with a thousand sockets open) stops the pass or its pushes.
GC_HOLD_BEFORE_SECONDS = 1.0
GC_HOLD_AFTER_SECONDS = 1.0
# Wakes this long after a moment it waits for, so that it has come: a pass finds the
# deadline due (`ends_at <= now`), a sync finds its clearance over.
WAKE_MARGIN_SECONDS = 0.002


# --- Due work registered by other apps -----------------------------------------


@dataclass(frozen=True)
class DueWork:
    """Work another app has due at moments stored in its rows.

    `run()` does one batch of what is due now and returns how many it did (claiming its
    rows with SKIP LOCKED, so several schedulers share it); `next_due()` is the earliest
    moment something will be due (a past one: more is due now), or None.
    """

    name: str
    run: Callable[[], int]
    next_due: Callable[[], datetime | None]


_due_work: dict[str, DueWork] = {}


def register_due_work(*, name: str, run: Callable[[], int], next_due) -> None:
    """Adds (or replaces, by name) work that the scheduler's passes do."""
    _due_work[name] = DueWork(name=name, run=run, next_due=next_due)


def _run_due_work() -> tuple[int, list[datetime]]:
    done, due = 0, []
    for work in list(_due_work.values()):
        try:
            done += work.run()
            if (at := work.next_due()) is not None:
                due.append(at)
        except Exception:
            # One app's failing work must not hold up the timers, nor the others.
            logger.exception("due work %s failed; retrying", work.name)
            due.append(timezone.now() + timedelta(seconds=1))
    return done, due


def advance_due_now() -> tuple[int, int]:
    """One pass (`runtimers --once`): due timers, then every registered due work."""
    return services.timers_advance_due(), _run_due_work()[0]


def _tick() -> tuple[int, datetime | None]:
    """Advances due timers and does due work; returns how many, and the next deadline."""
    close_old_connections()
    advanced = services.timers_advance_due()
    done, due = _run_due_work()
    deadlines = [at for at in (services.next_deadline(), *due) if at is not None]
    return advanced + done, min(deadlines, default=None)


def _sync() -> int:
    close_old_connections()
    return services.timers_broadcast_running()


def _seconds_until(deadline: datetime | None) -> float | None:
    if deadline is None:
        return None
    return (deadline - timezone.now()).total_seconds()


def sync_may_run(
    *, now: float, sync_due: float, until_deadline: float | None, since_pass: float
) -> bool:
    """Whether the periodic sync runs now (times in seconds, `now` and `sync_due` monotonic)."""
    if now < sync_due:
        return False
    if now >= sync_due + SYNC_DEFER_LIMIT_SECONDS:
        return True
    if until_deadline is not None and until_deadline < SYNC_CLEARANCE_SECONDS:
        return False
    return since_pass >= SYNC_CLEARANCE_SECONDS


def seconds_to_sleep(
    *, now: float, sync_due: float, until_deadline: float | None, since_pass: float
) -> float:
    """Until the next deadline, or until the sync may run, whichever comes first."""
    sleep = MAX_SLEEP_SECONDS
    if until_deadline is not None:
        sleep = min(sleep, max(0.0, until_deadline + WAKE_MARGIN_SECONDS))
    sync_at = max(sync_due, now + SYNC_CLEARANCE_SECONDS - since_pass)
    sync_at = min(sync_at, sync_due + SYNC_DEFER_LIMIT_SECONDS)
    blocked_by_deadline = until_deadline is not None and until_deadline < SYNC_CLEARANCE_SECONDS
    if not blocked_by_deadline:  # otherwise it waits for that deadline's pass
        sleep = min(sleep, max(0.0, sync_at - now + WAKE_MARGIN_SECONDS))
    return sleep


async def _listen_for_wakeups(wake: asyncio.Event) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    channel = await layer.new_channel()
    await layer.group_add(services.SCHEDULER_GROUP, channel)
    try:
        while True:
            await layer.receive(channel)
            wake.set()
    finally:
        await layer.group_discard(services.SCHEDULER_GROUP, channel)


# How long a cancelled scheduler waits for the pass under way to finish.
PASS_FINISH_SECONDS = 10.0


async def _to_the_end[T](call: Awaitable[T]) -> T:
    """Awaits a pass on the scheduler's thread, and when cancelled lets it finish first.

    A pass sends its pushes through this event loop (`async_to_sync` from its thread). A
    loop that stopped waiting for it, and then closed (a stopping server, a test's end),
    left the thread waiting for ever for a send that could no longer run, and the
    process then never exited (it joins the thread at exit).
    """
    task = asyncio.ensure_future(call)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        await asyncio.wait({task}, timeout=PASS_FINISH_SECONDS)
        raise


async def run_forever() -> None:
    """Runs until cancelled. Errors are logged and retried: the scheduler must not die."""
    sync_every = settings.TIMER_SYNC_SECONDS
    wake = asyncio.Event()
    listener = asyncio.create_task(_listen_for_wakeups(wake))
    thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="timer-scheduler")
    on_thread = sync_to_async(thread_sensitive=False, executor=thread)
    sync_due = time.monotonic() + sync_every
    last_pass = -SYNC_CLEARANCE_SECONDS
    logger.info("timer scheduler started (sync every %ss)", sync_every)
    try:
        while True:
            wake.clear()
            deadline = None
            try:
                advanced, deadline = await _to_the_end(on_thread(_tick)())
                if advanced:
                    last_pass = time.monotonic()
                    logger.info("advanced %d timer(s) and due item(s)", advanced)
                now = time.monotonic()
                if sync_may_run(
                    now=now,
                    sync_due=sync_due,
                    until_deadline=_seconds_until(deadline),
                    since_pass=now - last_pass,
                ):
                    await _to_the_end(on_thread(_sync)())
                    sync_due = time.monotonic() + sync_every
            except Exception:
                logger.exception("scheduler pass failed; retrying")
                deadline = timezone.now() + timedelta(seconds=1)
            now = time.monotonic()
            until_deadline = _seconds_until(deadline)  # as of now, after any sync
            sleep = seconds_to_sleep(
                now=now,
                sync_due=sync_due,
                until_deadline=until_deadline,
                since_pass=now - last_pass,
            )
            if until_deadline is not None and until_deadline <= GC_HOLD_BEFORE_SECONDS:
                gcpause.hold(until=now + max(0.0, until_deadline) + GC_HOLD_AFTER_SECONDS)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=sleep)
    finally:
        listener.cancel()
        thread.submit(connections.close_all)  # the thread's kept connection
        thread.shutdown(wait=False)
