"""The event mechanism: delivery after commit, and a failing subscriber breaks nothing."""

from __future__ import annotations

import logging

import pytest
from django.db import transaction

from focusmate import events
from rooms.tests.helpers import T0
from timers import services as timer_services
from timers.models import Timer

pytestmark = pytest.mark.django_db


@pytest.fixture
def extra_subscribers(monkeypatch):
    """Registers test subscribers for one test only."""
    registry = {key: list(value) for key, value in events._subscribers.items()}
    monkeypatch.setattr(events, "_subscribers", events.defaultdict(list, registry))

    def add(event_type, function):
        events.subscriber(event_type)(function)

    return add


def test_subscribers_run_in_order_after_commit_with_the_event(extra_subscribers):
    seen = []
    extra_subscribers(events.RoomClosed, lambda e: seen.append(("first", e.room_id)))
    extra_subscribers(events.RoomClosed, lambda e: seen.append(("second", e.room_id)))

    events.deliver(events.RoomClosed(room_id=7))

    assert seen == [("first", 7), ("second", 7)]


def test_a_failing_subscriber_is_logged_and_the_others_still_run(extra_subscribers, caplog):
    seen = []

    def broken(event):
        raise RuntimeError("boom")

    extra_subscribers(events.RoomClosed, broken)
    extra_subscribers(events.RoomClosed, lambda e: seen.append(e.room_id))

    with caplog.at_level(logging.ERROR, logger="focusmate.events"):
        events.deliver(events.RoomClosed(room_id=3))

    assert seen == [3]
    assert "broken" in caplog.text and "boom" in caplog.text


def test_a_failing_subscriber_never_breaks_the_write(
    room, bob, extra_subscribers, django_capture_on_commit_callbacks, time_machine, caplog
):
    """The renderer that pushes the timer raises: the start is saved all the same."""
    time_machine.move_to(T0, tick=False)

    def broken(event):
        raise RuntimeError("renderer down")

    extra_subscribers(events.TimerChanged, broken)

    with django_capture_on_commit_callbacks(execute=True):
        timer = timer_services.timer_command(room=room, by=bob, action="start", now=T0)

    assert timer.status == "running"
    assert Timer.objects.get(room=room).status == "running"
    assert "renderer down" in caplog.text


def test_inside_a_transaction_delivery_waits_for_the_commit(extra_subscribers):
    seen = []
    extra_subscribers(events.RoomClosed, lambda e: seen.append(e.room_id))

    with transaction.atomic():
        events.publish_on_commit(events.RoomClosed(room_id=1))
        assert seen == []  # inside: waits for the commit (the test's own savepoint)


def test_events_are_immutable():
    event = events.RoomJoined(room_id=1, user_id=2)
    with pytest.raises(AttributeError):
        event.room_id = 5  # type: ignore[misc]
