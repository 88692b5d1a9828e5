"""Matching under concurrency, on PostgreSQL with real threads (each its own connection)
and real scheduler processes: nobody in two pairs, no pair of three, every re-match once."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
import time_machine
from django.db import connection, connections
from django.db.models import Count
from django.utils import timezone

from accounts.tests.factories import UserFactory
from conftest import LiveSite
from messaging.models import Notification
from partners import runner, services
from partners.models import PartnerBooking, PartnerEmail, PartnerMatch
from partners.tests.conftest import grid_start
from rooms.models import Participant
from scheduling import attendance
from scheduling.models import Booking
from scheduling.tests.test_exactly_once import (
    _scheduler_killed_inside,
    _two_schedulers_at_once,
    _wait_for,
    _waiting_queries,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="RACE TEST NEEDS POSTGRESQL: SQLite serialises writers, so the race cannot "
        "happen, and the slot's advisory lock is PostgreSQL's.",
    ),
]


def _book_at_once(people, starts_at) -> list[str]:
    barrier = threading.Barrier(len(people))
    outcomes: list[str] = []

    def book(person) -> None:
        try:
            barrier.wait(timeout=30)
            services.partner_book(user=person, starts_at=starts_at, work_minutes=25)
            outcomes.append("booked")
        except Exception as error:  # pragma: no cover - shown by the assertion
            outcomes.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=book, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def assert_pairs_sound() -> None:
    """Every match has two seats held by two people, each person in one match, the room's
    members and the session's seats are exactly those two."""
    live = PartnerBooking.objects.live().filter(match__isnull=False)
    per_match = live.values("match").annotate(n=Count("pk"), people=Count("user", distinct=True))
    assert all(row["n"] == 2 and row["people"] == 2 for row in per_match), list(per_match)
    per_person = live.values("user", "starts_at").annotate(n=Count("pk")).filter(n__gt=1)
    assert not per_person.exists()
    for match in PartnerMatch.objects.all():
        pair = set(live.filter(match=match).values_list("user_id", flat=True))
        members = set(
            Participant.objects.present().filter(room=match.room).values_list("user_id", flat=True)
        )
        # A no-show keeps their seat, marked missed (it counts against them).
        seats = set(
            Booking.objects.held()
            .filter(session=match.session)
            .exclude(attended=False)
            .values_list("user_id", flat=True)
        )
        assert members == pair and seats == pair


@pytest.mark.parametrize(("people", "pairs", "waiting"), [(50, 25, 0), (51, 25, 1)])
def test_simultaneous_bookings_of_one_slot_make_pairs_of_two_only(people, pairs, waiting):
    everyone = UserFactory.create_batch(people)

    outcomes = _book_at_once(everyone, grid_start())

    assert outcomes.count("booked") == people, outcomes
    assert PartnerMatch.objects.count() == pairs
    assert PartnerBooking.objects.filter(match__isnull=True).count() == waiting
    assert_pairs_sound()
    # Each matched person heard of it once, by bell and by email.
    assert Notification.objects.filter(text__startswith="Partner found").count() == pairs * 2
    assert PartnerEmail.objects.filter(sent_at__isnull=False).count() == pairs * 2


SLOTS = 8


def _slots_due_for_the_no_show_pass(*, ago: timedelta) -> list[tuple[PartnerBooking, ...]]:
    """SLOTS slots that started `ago` or earlier: in each, one partner came, one did not,
    and one waits."""
    starts = [grid_start(hours=0) - timedelta(hours=n + 1) for n in range(SLOTS)]
    now = timezone.now()
    groups = []
    for starts_at in starts:
        with time_machine.travel(starts_at - timedelta(hours=1), tick=False):
            came, absent, waiting = (
                services.partner_book(user=UserFactory(), starts_at=starts_at, work_minutes=25)
                for _ in range(3)
            )
        came.refresh_from_db()
        attendance.bookings_note_arrival(
            room_id=came.match.room_id, user_ids=[came.user_id], at=starts_at
        )
        groups.append((came, absent, waiting))
    # Move the slots so that they started `ago`, a quarter hour apart (the rows' times, as
    # the pass reads them).
    for n, (came, absent, waiting) in enumerate(groups):
        new_start = now - ago - timedelta(minutes=15 * n)
        shift = new_start - came.starts_at
        for model, ids in (
            (PartnerBooking, [came.pk, absent.pk, waiting.pk]),
            (PartnerMatch, [came.match_id]),
        ):
            for row in model.objects.filter(pk__in=ids):
                row.starts_at += shift
                if model is PartnerBooking:
                    row.ends_at += shift
                row.save()
        came.match.session.__class__.objects.filter(pk=came.match.session_id).update(
            starts_at=new_start, ends_at=new_start + timedelta(minutes=25)
        )
        Booking.objects.filter(session_id=came.match.session_id, user=came.user_id).update(
            arrived_at=new_start
        )
    return groups


def _assert_each_slot_rematched_once(groups) -> None:
    for came, absent, waiting in groups:
        for booking in (came, absent, waiting):
            booking.refresh_from_db()
        assert absent.ended_why == "no_show"
        assert came.is_live and waiting.match_id == came.match_id
    assert_pairs_sound()
    rematch_emails = PartnerEmail.objects.filter(booking__in=[g[2] for g in groups])
    assert rematch_emails.count() == SLOTS
    assert PartnerMatch.objects.filter(no_show_checked_at__isnull=True).count() == 0


def test_two_schedulers_at_once_do_each_no_show_once():
    groups = _slots_due_for_the_no_show_pass(ago=timedelta(minutes=3))

    done = _two_schedulers_at_once(runner.partners_check_due)

    assert sum(done) > 0
    _assert_each_slot_rematched_once(groups)


def test_a_scheduler_killed_mid_pass_and_two_restarted_rematch_each_once():
    """The first scheduler is held inside a slot's transaction (the partners' email table
    locked) and killed: nothing it did stays. Two started afterwards do each slot once."""
    groups = _slots_due_for_the_no_show_pass(ago=timedelta(minutes=3))
    env = {"TIMER_SYNC_SECONDS": "1", "TASK_WORKER_IN_PROCESS": "false"}

    _scheduler_killed_inside(
        "partners_partneremail",
        lambda: any("partners_partneremail" in q for q in _waiting_queries()),
        env=env,
    )

    assert PartnerBooking.objects.filter(ended_why="no_show").count() == 0
    assert PartnerMatch.objects.filter(no_show_checked_at__isnull=False).count() == 0

    restarted = [LiveSite(env, command=("runtimers",), wait=False) for _ in range(2)]
    try:
        _wait_for(
            lambda: PartnerMatch.objects.filter(no_show_checked_at__isnull=True).count() == 0,
            seconds=60,
            what=f"the restarted schedulers (logs: {[s.log_path for s in restarted]})",
        )
        time.sleep(1.0)  # a double would come now
    finally:
        for site in restarted:
            site.stop()
    _assert_each_slot_rematched_once(groups)
