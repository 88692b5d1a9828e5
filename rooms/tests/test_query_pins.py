"""What one Start press costs, pinned: an N+1 or a repeated read here is a failing test.

These run with real transactions (transaction=True), so the count is the statements a
production request sends, without the test's own savepoints. Transaction control
(SQLite logs its BEGIN IMMEDIATE and COMMIT; PostgreSQL's driver does not) is not counted.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rooms import services
from rooms.consumers import RoomConsumer
from rooms.tests.helpers import HTMX, T0
from stats.models import SessionHistory
from timers import services as timer_services
from timers.models import Timer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("frozen_clock")]

TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


@contextlib.contextmanager
def statements(expected: int):
    with CaptureQueriesContext(connection) as captured:
        yield
    sent = [q["sql"] for q in captured if not q["sql"].startswith(TRANSACTION_CONTROL)]
    assert len(sent) == expected, "\n".join(sent)


def test_an_htmx_start_costs_five_queries(signed_in, room, bob):
    client = signed_in(bob)

    # session, user, the room with its owner and bob's membership, the timer locked, its save
    with statements(5):
        response = client.post(
            reverse("rooms:timer", args=[room.pk]), {"action": "start"}, headers=HTMX
        )

    assert response.status_code == 200
    assert Timer.objects.get(room=room).status == "running"


def test_a_socket_start_costs_four_queries(room, bob):
    consumer = RoomConsumer()
    consumer.scope = {"user": bob}
    consumer.room_id = room.pk

    # the user as stored now, the room with bob's membership, the timer locked, its save
    with statements(4):
        consumer._act({"action": "start"})

    assert Timer.objects.get(room=room).status == "running"


def test_closing_a_room_records_a_phase_already_past_its_deadline_once(room, alice, bob):
    timer_services.timer_command(room=room, by=bob, action="start", now=T0)
    # The work phase ended at T0+25 min; nobody looked until the owner closes the room.
    with time_machine.travel(T0 + timedelta(minutes=27), tick=False):
        services.room_close(room=room, by=alice)
        timer_services.timers_advance_due()  # a scheduler pass afterwards adds nothing

    rows = SessionHistory.objects.filter(room=room, kind="work")
    assert sorted(rows.values_list("user__username", flat=True)) == ["alice", "bob"]
    assert {row.ended_at for row in rows} == {T0 + timedelta(minutes=25)}
    timer = Timer.objects.get(room=room)
    assert timer.status == "idle"
    assert timer.phase == "short_break"  # idle where the catch-up left it, not mid-work
