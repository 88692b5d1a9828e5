from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
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

    assert timer.phase == "short_break"
    lateness = timer.phase_started_at - (timer.ends_at - timedelta(minutes=5))
    assert lateness == timedelta(0)  # the break starts at the work deadline exactly
    assert await database_sync_to_async(SessionHistory.objects.filter(room=room).count)() == 2


def test_runtimers_once_advances_what_is_due(room, capsys):
    _make_due_in(room, -1)

    call_command("runtimers", "--once")

    assert "Advanced 1 timer(s)." in capsys.readouterr().out
    assert Timer.objects.get(room=room).phase == "short_break"
