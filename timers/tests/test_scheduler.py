from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.core.management import call_command
from django.utils import timezone

from stats.models import SessionHistory
from timers import scheduler, services
from timers.models import Timer

pytestmark = pytest.mark.django_db(transaction=True)


def _make_due_in(room, seconds: float) -> None:
    now = timezone.now()
    Timer.objects.filter(room=room).update(
        status="running",
        phase="work",
        ends_at=now + timedelta(seconds=seconds),
        phase_started_at=now - timedelta(minutes=25) + timedelta(seconds=seconds),
    )


@pytest.mark.anyio
async def test_the_scheduler_advances_a_timer_at_its_deadline_and_wakes_on_start(room, alice):
    task = asyncio.create_task(scheduler.run_forever())
    try:
        await asyncio.sleep(0.3)  # it is now asleep: no timer is running
        # A command that starts a timer wakes it; the deadline is moved close for the test.
        await database_sync_to_async(services.timer_command)(room=room, by=alice, action="start")
        await database_sync_to_async(_make_due_in)(room, 0.5)
        await database_sync_to_async(services.timer_command)(room=room, by=alice, action="pause")
        await database_sync_to_async(services.timer_command)(room=room, by=alice, action="resume")

        for _ in range(40):
            timer = await database_sync_to_async(Timer.objects.get)(room=room)
            if timer.phase == "short_break":
                break
            await asyncio.sleep(0.1)
    finally:
        task.cancel()
        # It finishes a pass under way before it stops: its pushes run on this loop.
        with contextlib.suppress(asyncio.CancelledError):
            await task

    assert timer.phase == "short_break"
    lateness = timer.phase_started_at - (timer.ends_at - timedelta(minutes=5))
    assert lateness == timedelta(0)  # the break starts at the work deadline exactly
    assert await database_sync_to_async(SessionHistory.objects.filter(room=room).count)() == 2


def test_runtimers_once_advances_what_is_due(room, capsys):
    _make_due_in(room, -1)

    call_command("runtimers", "--once")

    assert "Advanced 1 timer(s)." in capsys.readouterr().out
    assert Timer.objects.get(room=room).phase == "short_break"


# --- when it sleeps, and when the periodic sync may run ----------------------------------


def test_it_sleeps_until_the_deadline_when_no_sync_is_near():
    sleep = scheduler.seconds_to_sleep(now=100.0, sync_due=120.0, until_deadline=3.0, since_pass=50)

    assert sleep == pytest.approx(3.0 + scheduler.WAKE_MARGIN_SECONDS)


def test_a_sync_due_before_the_deadline_wakes_it_first():
    sleep = scheduler.seconds_to_sleep(now=100.0, sync_due=101.0, until_deadline=5.0, since_pass=50)

    assert sleep == pytest.approx(1.0 + scheduler.WAKE_MARGIN_SECONDS)


def test_a_sync_due_just_before_a_deadline_waits_for_that_deadline():
    assert not scheduler.sync_may_run(now=100.0, sync_due=99.0, until_deadline=0.4, since_pass=50)
    sleep = scheduler.seconds_to_sleep(now=100.0, sync_due=99.0, until_deadline=0.4, since_pass=50)

    assert sleep == pytest.approx(0.4 + scheduler.WAKE_MARGIN_SECONDS)


def test_a_sync_waits_a_moment_after_a_pass_that_pushed():
    assert not scheduler.sync_may_run(now=100.0, sync_due=99.0, until_deadline=None, since_pass=0.2)
    sleep = scheduler.seconds_to_sleep(
        now=100.0, sync_due=99.0, until_deadline=None, since_pass=0.2
    )

    assert sleep == pytest.approx(scheduler.SYNC_CLEARANCE_SECONDS - 0.2, abs=0.01)
    assert scheduler.sync_may_run(
        now=100.0 + sleep, sync_due=99.0, until_deadline=None, since_pass=0.2 + sleep
    )


def test_a_sync_is_put_off_no_longer_than_its_limit():
    late = 99.0 + scheduler.SYNC_DEFER_LIMIT_SECONDS

    assert not scheduler.sync_may_run(
        now=late - 0.1, sync_due=99.0, until_deadline=0.1, since_pass=0
    )
    assert scheduler.sync_may_run(now=late, sync_due=99.0, until_deadline=0.1, since_pass=0)


def test_it_never_spins_while_a_sync_waits_for_a_deadline():
    # The sync is overdue but blocked: the sleep is the deadline's, not zero.
    sleep = scheduler.seconds_to_sleep(now=100.0, sync_due=90.0, until_deadline=0.5, since_pass=50)

    assert sleep == pytest.approx(0.5 + scheduler.WAKE_MARGIN_SECONDS)


@pytest.mark.anyio
async def test_a_pass_is_not_queued_behind_the_shared_database_thread(room, alice):
    """Channels' thread-sensitive thread is busy (a socket's slow query): the pass runs."""
    await database_sync_to_async(services.timer_command)(room=room, by=alice, action="start")
    await database_sync_to_async(_make_due_in)(room, -1)
    release = asyncio.Event()
    loop = asyncio.get_running_loop()

    def hold_the_shared_thread() -> None:
        while not release.is_set():
            time.sleep(0.01)  # a thread busy elsewhere, not a timing in the test

    blocker = asyncio.ensure_future(database_sync_to_async(hold_the_shared_thread)())
    task = asyncio.create_task(scheduler.run_forever())
    try:
        for _ in range(40):
            timer = await sync_to_async(Timer.objects.get, thread_sensitive=False)(room=room)
            if timer.phase == "short_break":
                break
            await asyncio.sleep(0.1)
    finally:
        loop.call_soon(release.set)
        task.cancel()
        await blocker
        with contextlib.suppress(asyncio.CancelledError):
            await task

    assert timer.phase == "short_break"
