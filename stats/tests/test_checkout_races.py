"""Two answers for one work phase at the same moment (two tabs, a double click): one row,
no error, and the stored answer is one of them, whole (PostgreSQL, real transactions)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import close_old_connections, connection

from rooms import services as room_services
from stats import services
from stats.models import SessionHistory
from timers import services as timer_services

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_racing_answers_leave_one_whole_answer(alice, bob):
    room = room_services.room_create(owner=alice, name="Sprint", work_minutes=25)
    room_services.room_join(room=room, user=bob)
    timer_services.timer_command(room=room, by=alice, action="start")
    timer = room.timer
    timer.refresh_from_db()
    timer_services.timers_advance_due(now=timer.ends_at + timedelta(seconds=1))
    answers = [("done", "first tab"), ("not_yet", "second tab")]
    barrier = threading.Barrier(len(answers))
    errors: list[BaseException] = []

    def answer(outcome: str, note: str) -> None:
        try:
            barrier.wait(timeout=5)
            services.phase_check_out(by=bob, room_id=room.pk, seq=1, outcome=outcome, note=note)
        except BaseException as error:
            errors.append(error)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=answer, args=pair) for pair in answers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert errors == []
    stored = SessionHistory.objects.get(user=bob, room=room, seq=1)
    assert (stored.outcome, stored.outcome_note) in answers
