from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from stats.models import SessionHistory
from stats.streaks import Streaks, streaks_from_days, user_streaks
from stats.tests.factories import SessionHistoryFactory

pytestmark = pytest.mark.django_db

UTC = ZoneInfo("UTC")


def local(user, text: str) -> datetime:
    """An aware datetime from a wall-clock time in the user's timezone."""
    return datetime.fromisoformat(text).replace(tzinfo=user.tzinfo)


def work(user, room, ended_local: str, kind=SessionHistory.Kind.WORK) -> SessionHistory:
    return SessionHistoryFactory(user=user, room=room, kind=kind, ended_at=local(user, ended_local))


def test_no_sessions_means_no_streak(alice):
    assert user_streaks(user=alice) == Streaks(current=0, longest=0, last_day=None)


def test_a_session_at_2330_local_counts_for_the_local_day_not_the_utc_one(bob, room, time_machine):
    bob.timezone = "America/New_York"
    bob.save()
    work(bob, room, "2026-03-01 12:00")
    # 23:30 in New York is 04:30 UTC on 2 March: by UTC days this would leave a gap.
    late = work(bob, room, "2026-03-02 23:30")
    assert late.ended_at.astimezone(UTC).date() == date(2026, 3, 3)
    time_machine.move_to(local(bob, "2026-03-02 23:45"), tick=False)

    assert user_streaks(user=bob) == Streaks(current=2, longest=2, last_day=date(2026, 3, 2))


def test_a_session_just_after_local_midnight_counts_for_the_new_local_day(
    alice, room, time_machine
):
    # Alice is in Berlin: 00:30 local on 2 March is 23:30 UTC on 1 March.
    first = work(alice, room, "2026-03-02 00:30")
    work(alice, room, "2026-03-02 22:00")
    work(alice, room, "2026-03-03 00:10")
    assert first.ended_at.astimezone(UTC).date() == date(2026, 3, 1)
    time_machine.move_to(local(alice, "2026-03-03 09:00"), tick=False)

    assert user_streaks(user=alice) == Streaks(current=2, longest=2, last_day=date(2026, 3, 3))


def test_today_and_yesterday_are_the_users_local_days(alice, room, time_machine):
    work(alice, room, "2026-03-01 12:00")
    # 00:30 on 3 March in Berlin is still 2 March in UTC, where 1 March is "yesterday".
    time_machine.move_to(local(alice, "2026-03-03 00:30"), tick=False)

    assert user_streaks(user=alice) == Streaks(current=0, longest=1, last_day=date(2026, 3, 1))


def test_a_missed_day_breaks_the_streak(alice, room, time_machine):
    for day in (1, 2, 3, 5, 6):
        work(alice, room, f"2026-03-0{day} 10:00")
    time_machine.move_to(local(alice, "2026-03-06 18:00"), tick=False)

    assert user_streaks(user=alice) == Streaks(current=2, longest=3, last_day=date(2026, 3, 6))


def test_a_streak_that_includes_today(alice, room, time_machine):
    for day in (4, 5, 6):
        work(alice, room, f"2026-03-0{day} 10:00")
    time_machine.move_to(local(alice, "2026-03-06 10:30"), tick=False)

    assert user_streaks(user=alice).current == 3


def test_a_streak_that_ends_yesterday_is_still_current(alice, room, time_machine):
    for day in (3, 4, 5):
        work(alice, room, f"2026-03-0{day} 10:00")
    time_machine.move_to(local(alice, "2026-03-06 23:59"), tick=False)

    assert user_streaks(user=alice) == Streaks(current=3, longest=3, last_day=date(2026, 3, 5))


def test_a_streak_that_ended_the_day_before_yesterday_is_over(alice, room, time_machine):
    for day in (3, 4, 5):
        work(alice, room, f"2026-03-0{day} 10:00")
    time_machine.move_to(local(alice, "2026-03-07 00:01"), tick=False)

    assert user_streaks(user=alice) == Streaks(current=0, longest=3, last_day=date(2026, 3, 5))


def test_breaks_do_not_make_a_streak(alice, room, time_machine):
    work(alice, room, "2026-03-05 10:00")
    work(alice, room, "2026-03-06 10:00", kind=SessionHistory.Kind.SHORT_BREAK)
    work(alice, room, "2026-03-06 11:00", kind=SessionHistory.Kind.LONG_BREAK)
    time_machine.move_to(local(alice, "2026-03-06 12:00"), tick=False)

    assert user_streaks(user=alice) == Streaks(current=1, longest=1, last_day=date(2026, 3, 5))


def test_many_sessions_on_one_day_count_once_and_others_history_is_ignored(
    alice, bob, room, time_machine
):
    for hour in (8, 9, 10, 11):
        work(alice, room, f"2026-03-06 {hour:02}:00")
    for day in (1, 2, 3, 4, 5):
        work(bob, room, f"2026-03-0{day} 10:00")
    time_machine.move_to(local(alice, "2026-03-06 12:00"), tick=False)

    assert user_streaks(user=alice) == Streaks(current=1, longest=1, last_day=date(2026, 3, 6))


def test_streaks_cost_one_query_whatever_the_history(
    alice, room, time_machine, django_assert_num_queries
):
    start = local(alice, "2025-01-01 10:00")
    SessionHistory.objects.bulk_create(
        SessionHistory(
            user=alice,
            room=room,
            kind="work",
            seq=n,
            started_at=start + timedelta(hours=n * 7) - timedelta(minutes=25),
            ended_at=start + timedelta(hours=n * 7),
            seconds_credited=1500,
        )
        for n in range(1, 1500)
    )
    time_machine.move_to(start + timedelta(hours=1500 * 7), tick=False)

    with django_assert_num_queries(1):
        streaks = user_streaks(user=alice)

    assert streaks.longest == streaks.current > 400


def test_runs_over_plain_days():
    days = [date(2026, 1, d) for d in (1, 2, 4, 5, 6, 7, 9)]

    assert streaks_from_days(days, today=date(2026, 1, 10)) == Streaks(1, 4, date(2026, 1, 9))
    assert streaks_from_days(days, today=date(2026, 1, 11)) == Streaks(0, 4, date(2026, 1, 9))
    assert streaks_from_days([], today=date(2026, 1, 1)) == Streaks(0, 0, None)
