"""The scheduler's wake-up is a subscriber of `TimerChanged`, sent after the pushes.

A command that leaves a timer running, or a pass that leaves any running, wakes the
schedulers once, after the commit and after the room pushes of that change; a pause, a
stop, a settings change or the periodic resend wakes nobody.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.db import connection

from focusmate import events
from focusmate.lib import broadcast
from rooms import services as room_services
from timers import services
from timers.subscriptions import wake_scheduler

pytestmark = pytest.mark.django_db(transaction=True)

T0 = datetime.fromisoformat("2026-01-05T09:00:00+00:00")


@pytest.fixture(autouse=True)
def _before_t0(time_machine):
    time_machine.move_to(T0 - timedelta(hours=1), tick=False)


@pytest.fixture
def sent(monkeypatch) -> list[tuple[str, str, bool]]:
    """What reaches the channel layer, in order: (group, message type, inside a transaction)."""
    record: list[tuple[str, str, bool]] = []

    def send_all(messages):
        record.extend((group, p["type"], connection.in_atomic_block) for group, p in messages)

    monkeypatch.setattr(broadcast, "_send_all", send_all)
    return record


def _timer_sends(sent) -> list[str]:
    """The kinds of the timer's own sends (the tests' tasks run at once: achievements'
    toasts for the completed phases come after them)."""
    return [kind for _, kind, _ in sent if kind in ("timer.changed", "scheduler.wake")]


def test_a_start_pushes_the_room_then_wakes_the_scheduler(room, bob, sent):
    services.timer_command(room=room, by=bob, action="start", now=T0)

    assert [(group, kind) for group, kind, _ in sent] == [
        (f"room.{room.pk}", "timer.changed"),
        (services.SCHEDULER_GROUP, "scheduler.wake"),
    ]
    assert not any(in_transaction for _, _, in_transaction in sent)  # after the commit


def test_a_pause_a_stop_and_a_settings_change_wake_nobody(room, alice, bob, sent):
    services.timer_command(room=room, by=bob, action="start", now=T0)
    sent.clear()

    services.timer_command(room=room, by=bob, action="pause", now=T0 + timedelta(minutes=1))
    room_services.room_update(room=room, by=alice, work_minutes=30)
    services.timer_stop(room_id=room.pk, now=T0 + timedelta(minutes=2))

    assert [kind for _, kind, _ in sent] == ["timer.changed"] * 3


def _class_of_rooms(owner, count: int) -> list:
    rooms = []
    for number in range(count):
        room = room_services.room_create(owner=owner, name=f"Class {number}")
        services.timer_command(room=room, by=owner, action="start", now=T0)
        rooms.append(room)
    return rooms


@pytest.mark.parametrize("push_batch", [1, 2, 100])
def test_a_pass_wakes_the_scheduler_once_after_all_its_pushes(alice, sent, monkeypatch, push_batch):
    monkeypatch.setattr(services, "PUSH_BATCH", push_batch)
    rooms = _class_of_rooms(alice, 3)
    sent.clear()

    assert services.timers_advance_due(now=T0 + timedelta(minutes=26)) == 3  # breaks start

    assert _timer_sends(sent) == ["timer.changed"] * 3 + ["scheduler.wake"]
    assert {group for group, kind, _ in sent if kind == "timer.changed"} == {
        f"room.{room.pk}" for room in rooms
    }


def test_a_pass_that_leaves_every_timer_idle_wakes_nobody(alice, sent):
    room = room_services.room_create(owner=alice, name="No breaks", auto_start_breaks=False)
    services.timer_command(room=room, by=alice, action="start", now=T0)
    sent.clear()

    assert services.timers_advance_due(now=T0 + timedelta(minutes=26)) == 1

    assert _timer_sends(sent) == ["timer.changed"]


def test_the_periodic_resend_pushes_every_running_timer_and_wakes_nobody(alice, sent):
    rooms = _class_of_rooms(alice, 2)
    sent.clear()

    assert services.timers_broadcast_running() == 2

    assert sorted(sent) == sorted((f"room.{room.pk}", "timer.changed", False) for room in rooms)


def test_the_wake_up_runs_after_every_other_subscriber_of_the_event(monkeypatch):
    """Registered after it (as an app loaded later would be), a subscriber still runs
    before the wake-up, which is marked to run last."""
    registry = {key: list(value) for key, value in events._subscribers.items()}
    monkeypatch.setattr(events, "_subscribers", events.defaultdict(list, registry))

    def later_app_subscriber(event):
        pass

    events.subscriber(events.TimerChanged)(later_app_subscriber)

    functions = events.subscribers_of(events.TimerChanged)
    assert functions[-2:] == (later_app_subscriber, wake_scheduler)
