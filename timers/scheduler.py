"""The timer scheduler: advances due timers without any browser open.

It sleeps until the earliest deadline (capped by the sync interval), not polling
every room each second, and wakes early when a service starts a timer (a message on
the `timers.scheduler` group, so a scheduler in another process hears it too
through Redis). Several schedulers may run: rows are claimed with SKIP LOCKED.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

from timers import services

logger = logging.getLogger("focusmate.scheduler")

# A cap on one sleep: a deadline is never missed by more than this if a wake-up is lost.
MAX_SLEEP_SECONDS = 30.0


def _tick() -> tuple[int, float | None]:
    """Advances due timers; returns how many, and seconds until the next deadline."""
    close_old_connections()
    advanced = services.timers_advance_due()
    deadline = services.next_deadline()
    if deadline is None:
        return advanced, None
    return advanced, max(0.0, (deadline - timezone.now()).total_seconds())


def _sync() -> int:
    close_old_connections()
    return services.timers_broadcast_running()


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


async def run_forever() -> None:
    """Runs until cancelled. Errors are logged and retried: the scheduler must not die."""
    sync_every = settings.TIMER_SYNC_SECONDS
    wake = asyncio.Event()
    listener = asyncio.create_task(_listen_for_wakeups(wake))
    next_sync = time.monotonic() + sync_every
    logger.info("timer scheduler started (sync every %ss)", sync_every)
    try:
        while True:
            wake.clear()
            try:
                advanced, until_deadline = await database_sync_to_async(_tick)()
                if advanced:
                    logger.info("advanced %d timer(s)", advanced)
                if time.monotonic() >= next_sync:
                    await database_sync_to_async(_sync)()
                    next_sync = time.monotonic() + sync_every
            except Exception:
                logger.exception("scheduler pass failed; retrying")
                until_deadline = 1.0
            sleep = min(MAX_SLEEP_SECONDS, max(0.0, next_sync - time.monotonic()))
            if until_deadline is not None:
                sleep = min(sleep, until_deadline + 0.005)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=sleep)
    finally:
        listener.cancel()
