from __future__ import annotations

from datetime import date, datetime

import pytest

from accounts.tests.factories import UserFactory
from rooms.models import Participant, Room
from stats import queries
from stats.models import SessionHistory
from stats.queries import Change, DayTotal, Period, Totals
from stats.tests.factories import RoomFactory, SessionHistoryFactory

pytestmark = pytest.mark.django_db

WORK, SHORT, LONG = "work", "short_break", "long_break"


def local(user, text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=user.tzinfo)


def session(user, room, ended_local: str, *, kind=WORK, seconds=1500) -> SessionHistory:
    return SessionHistoryFactory(
        user=user, room=room, kind=kind, seconds_credited=seconds, ended_at=local(user, ended_local)
    )


@pytest.fixture
def march_history(alice, bob, room, time_machine):
    """Alice's sessions around 20 March 2026 (Berlin), with Bob's as noise."""
    time_machine.move_to(local(alice, "2026-03-20 12:00"), tick=False)
    # current period: 14-20 March
    session(alice, room, "2026-03-14 00:10")  # 13 March in UTC, still the 14th locally
    session(alice, room, "2026-03-18 09:30")
    session(alice, room, "2026-03-18 10:00", seconds=1200)
    session(alice, room, "2026-03-18 10:05", kind=SHORT, seconds=300)
    session(alice, room, "2026-03-19 16:00", kind=LONG, seconds=900)
    # previous period: 7-13 March
    session(alice, room, "2026-03-13 23:50")
    session(alice, room, "2026-03-10 12:00")
    # before both, and someone else's
    session(alice, room, "2026-03-06 23:59")
    session(bob, room, "2026-03-18 09:30", seconds=3000)


def test_period_totals_and_the_change_against_the_previous_period(alice, march_history):
    period = Period.last(7, today=date(2026, 3, 20))

    summary = queries.period_summary(user=alice, period=period)

    assert period.previous() == Period(date(2026, 3, 7), date(2026, 3, 13))
    assert summary.totals == Totals(focus_seconds=4200, work_sessions=3, breaks=2)
    assert summary.previous == Totals(focus_seconds=3000, work_sessions=2, breaks=0)
    assert summary.totals.average_work_seconds == 1400
    assert summary.focus_change == Change(difference=1200, percent=40)
    assert summary.sessions_change == Change(difference=1, percent=50)
    assert summary.breaks_change == Change(difference=2, percent=None)
    assert summary.average_change == Change(difference=-100, percent=-7)


def test_an_empty_period_has_zero_totals_and_no_best_day(alice, db):
    period = Period.last(30, today=date(2026, 3, 20))

    summary = queries.period_summary(user=alice, period=period)
    days = queries.daily_focus(user=alice, period=period)

    assert summary.totals == Totals(0, 0, 0)
    assert summary.totals.average_work_seconds == 0
    assert summary.focus_change == Change(0, None)
    assert len(days) == 30
    assert queries.best_day(days) is None


def test_daily_focus_fills_every_local_day_and_counts_only_work(alice, march_history):
    days = queries.daily_focus(user=alice, period=Period.last(7, today=date(2026, 3, 20)))

    assert [day.day for day in days] == [date(2026, 3, d) for d in range(14, 21)]
    assert days[0] == DayTotal(date(2026, 3, 14), 1500, 1)
    assert days[4] == DayTotal(date(2026, 3, 18), 2700, 2)
    assert days[5] == DayTotal(date(2026, 3, 19), 0, 0)  # a long break is not focus
    assert queries.best_day(days) == days[4]


def test_best_day_on_a_tie_is_the_earlier_day():
    days = [DayTotal(date(2026, 1, d), 600, 1) for d in (1, 2)]

    assert queries.best_day(days) == days[0]


def test_sessions_by_hour_use_the_users_local_start_hour(alice, march_history):
    hours = queries.work_sessions_by_hour(
        user=alice, period=Period.last(7, today=date(2026, 3, 20))
    )

    # 00:10, 09:30 and 10:00 ends: starts at 23:45 (13 March, still counted by its end),
    # 09:05 and 09:40 local, so 23h once and 9h twice; breaks not at all.
    assert hours[23] == 1
    assert hours[9] == 2
    assert sum(hours) == 3


def test_profile_summary_counts_all_work_and_the_streak(alice, march_history):
    summary = queries.profile_summary(user=alice)

    assert summary.work_sessions == 6
    assert summary.focus_seconds == 6 * 1500 - 300
    assert summary.focus_hours == 2.4
    assert summary.streaks.longest == 2  # 13 and 14 March
    assert summary.streaks.current == 0  # last work on the 18th; today is the 20th


@pytest.fixture
def week(alice, time_machine):
    """Wednesday 18 March 2026, noon in Berlin: the week began on Monday the 16th."""
    time_machine.move_to(local(alice, "2026-03-18 12:00"), tick=False)
    return queries.week_start(user=alice)


def test_the_week_starts_on_monday_midnight_in_the_viewers_timezone(alice, bob, week):
    bob.timezone = "America/Los_Angeles"

    assert week == local(alice, "2026-03-16 00:00")
    assert queries.week_start(user=bob) == local(bob, "2026-03-16 00:00")


def test_leaderboard_lists_only_those_who_opted_in_with_this_weeks_focus(
    alice, bob, charlie, room, week
):
    for user in (alice, bob):
        user.on_leaderboard = True
        user.save()
    dave = UserFactory(username="dave", on_leaderboard=True, timezone="Europe/Berlin")
    session(alice, room, "2026-03-16 08:00", seconds=1500)
    session(alice, room, "2026-03-17 08:00", seconds=1500)
    session(alice, room, "2026-03-17 09:00", kind=SHORT, seconds=300)
    session(bob, room, "2026-03-18 08:00", seconds=3000)
    session(charlie, room, "2026-03-18 08:00", seconds=9000)  # did not opt in
    session(dave, room, "2026-03-15 23:30", seconds=9000)  # last week (Sunday night)

    rows = queries.leaderboard(since=week)

    assert [(row.rank, row.user.username, row.focus_seconds) for row in rows] == [
        (1, "alice", 3000),
        (1, "bob", 3000),
    ]


def test_a_rooms_leaderboard_counts_only_focus_in_that_room(alice, bob, room, week):
    other = RoomFactory(owner=bob)
    for user in (alice, bob):
        user.on_leaderboard = True
        user.save()
    session(alice, room, "2026-03-17 08:00", seconds=1500)
    session(bob, room, "2026-03-17 08:00", seconds=600)
    session(bob, other, "2026-03-17 09:00", seconds=6000)

    everyone = queries.leaderboard(since=week)
    in_room = queries.leaderboard(since=week, room_id=room.pk)

    assert [(row.rank, row.user.username, row.focus_seconds) for row in everyone] == [
        (1, "bob", 6600),
        (2, "alice", 1500),
    ]
    assert [(row.rank, row.user.username, row.focus_seconds) for row in in_room] == [
        (1, "alice", 1500),
        (2, "bob", 600),
    ]


def test_room_board_access(alice, bob, charlie, room):
    private = RoomFactory(owner=alice, is_public=False)
    Participant.objects.create(room=private, user=bob, joined_at=private.created_at)
    Participant.objects.create(
        room=private, user=charlie, joined_at=private.created_at, left_at=private.created_at
    )

    def boards(user):
        return set(Room.objects.visible_to(user).values_list("pk", flat=True))

    assert room.pk in boards(charlie)
    assert private.pk in boards(alice)
    assert private.pk in boards(bob)
    assert private.pk not in boards(charlie)  # left it
    Room.objects.filter(pk=room.pk).update(is_active=False)
    assert room.pk not in boards(charlie)  # closed: only its owner and members see it
