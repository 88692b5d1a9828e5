from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from achievements import counters, queries, services
from achievements.models import Achievement, UserAchievement
from achievements.tests.factories import AchievementFactory, ParticipantFactory
from messaging.models import Notification
from stats.models import SessionHistory
from stats.tests.factories import RoomFactory, SessionHistoryFactory

pytestmark = pytest.mark.django_db

Requirement = Achievement.Requirement


def add_work(user, count: int = 1, *, seconds: int = 25 * 60, ended_at=None) -> None:
    for _ in range(count):
        kwargs = {"ended_at": ended_at} if ended_at else {}
        SessionHistoryFactory(user=user, seconds_credited=seconds, **kwargs)


# --- each requirement type unlocks exactly at its threshold, not before -------------------


def test_work_sessions_unlock_at_the_threshold_and_breaks_do_not_count(
    alice, only_test_achievements
):
    three = AchievementFactory(requirement_type=Requirement.WORK_SESSIONS, requirement_value=3)
    add_work(alice, 2)
    SessionHistoryFactory(user=alice, kind=SessionHistory.Kind.SHORT_BREAK)
    SessionHistoryFactory(user=alice, kind=SessionHistory.Kind.LONG_BREAK)

    assert services.achievements_check(user=alice) == []

    add_work(alice)
    unlocks = services.achievements_check(user=alice)
    assert [unlock.achievement for unlock in unlocks] == [three]


def test_focus_minutes_unlock_at_the_threshold_counting_whole_minutes(
    alice, bob, only_test_achievements
):
    hour = AchievementFactory(requirement_type=Requirement.FOCUS_MINUTES, requirement_value=60)
    add_work(alice, seconds=30 * 60)
    add_work(alice, seconds=29 * 60 + 59)
    SessionHistoryFactory(user=alice, kind=SessionHistory.Kind.LONG_BREAK, seconds_credited=900)
    add_work(bob, seconds=3600)  # someone else's focus is not alice's

    assert services.achievements_check(user=alice) == []

    add_work(alice, seconds=1)
    assert [u.achievement for u in services.achievements_check(user=alice)] == [hour]


def test_streak_days_unlock_at_the_longest_streak(alice, only_test_achievements, time_machine):
    three = AchievementFactory(requirement_type=Requirement.STREAK_DAYS, requirement_value=3)
    time_machine.move_to(datetime(2026, 3, 10, 12, 0, tzinfo=alice.tzinfo), tick=False)
    add_work(alice, ended_at=datetime(2026, 3, 1, 10, 0, tzinfo=alice.tzinfo))
    add_work(alice, ended_at=datetime(2026, 3, 2, 10, 0, tzinfo=alice.tzinfo))
    add_work(alice, ended_at=datetime(2026, 3, 4, 10, 0, tzinfo=alice.tzinfo))  # a gap

    assert services.achievements_check(user=alice) == []

    # A past run of three days counts, although the current streak is broken.
    add_work(alice, ended_at=datetime(2026, 3, 3, 10, 0, tzinfo=alice.tzinfo))
    assert [u.achievement for u in services.achievements_check(user=alice)] == [three]


def test_rooms_joined_unlock_at_the_threshold_and_leaving_still_counts(
    alice, only_test_achievements
):
    two = AchievementFactory(requirement_type=Requirement.ROOMS_JOINED, requirement_value=2)
    ParticipantFactory(user=alice, left_at=datetime(2026, 1, 1, tzinfo=alice.tzinfo))

    assert services.achievements_check(user=alice) == []

    ParticipantFactory(user=alice)
    assert [u.achievement for u in services.achievements_check(user=alice)] == [two]


@pytest.mark.parametrize(
    "requirement",
    [
        Requirement.COMMUNITY_POSTS,
        Requirement.COMMUNITY_COMMENTS,
        Requirement.LIKES_RECEIVED,
    ],
)
def test_social_counts_unlock_at_the_threshold(
    alice, bob, only_test_achievements, social_counts, requirement
):
    five = AchievementFactory(
        requirement_type=requirement, requirement_value=5, category=Achievement.Category.SOCIAL
    )
    social_counts[alice.pk] = {requirement: 4}
    social_counts[bob.pk] = {requirement: 50}

    assert services.achievements_check(user=alice) == []

    social_counts[alice.pk][requirement] = 5
    assert [u.achievement for u in services.achievements_check(user=alice)] == [five]


def test_register_counter_refuses_an_unknown_source():
    with pytest.raises(KeyError):
        counters.register_counter(("karma",), lambda user: {"karma": 0})


# --- what an unlock does ----------------------------------------------------------------


def test_the_default_first_focus_unlocks_after_one_work_session(alice):
    add_work(alice)

    unlocks = services.achievements_check(user=alice)

    assert [u.achievement.slug for u in unlocks] == ["first-session"]
    assert unlocks[0].achievement.name == "First focus"


def test_inactive_achievements_never_unlock(alice, only_test_achievements):
    AchievementFactory(requirement_value=1, is_active=False)
    add_work(alice)

    assert services.achievements_check(user=alice) == []
    assert not UserAchievement.objects.exists()


def test_an_unlock_writes_one_notification_each_and_pushes_one_toast_message(
    alice, only_test_achievements, pushed
):
    first = AchievementFactory(name="First", requirement_value=1, slug="first")
    second = AchievementFactory(name="Second", requirement_value=2, slug="second")
    AchievementFactory(name="Later", requirement_value=3)
    add_work(alice, 2)

    unlocks = services.achievements_check(user=alice)

    assert [u.achievement for u in unlocks] == [first, second]
    texts = list(Notification.objects.filter(user=alice).values_list("text", "url"))
    assert sorted(texts) == [
        ("Achievement unlocked: 🏅 First", "/achievements/#first"),
        ("Achievement unlocked: 🏅 Second", "/achievements/#second"),
    ]
    assert len(pushed) == 1
    group, html = pushed[0]
    assert group == f"user.{alice.pk}"
    assert '<div id="toasts" hx-swap-oob="beforeend">' in html
    assert html.count('class="toast toast-achievement"') == 2
    assert "Achievement unlocked: First" in html and "Later" not in html


def test_the_toast_escapes_what_moderators_typed(alice, only_test_achievements, pushed):
    AchievementFactory(name="<script>alert(1)</script>", requirement_value=1)
    add_work(alice)

    services.achievements_check(user=alice)

    html = pushed[0][1]
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_without_push_it_notifies_but_sends_nothing(alice, only_test_achievements, pushed):
    AchievementFactory(requirement_value=1)
    add_work(alice)

    assert len(services.achievements_check(user=alice, push=False)) == 1
    assert pushed == []
    assert Notification.objects.filter(user=alice).count() == 1


def test_the_toast_is_sent_only_after_commit(
    alice, only_test_achievements, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr("focusmate.lib.broadcast.send_now", lambda group, msg: sent.append(group))
    AchievementFactory(requirement_value=1)
    add_work(alice)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.achievements_check(user=alice)
        assert sent == []

    assert len(callbacks) == 2  # the notification, then the unlock
    assert sent == [f"user.{alice.pk}", f"user.{alice.pk}"]


def test_nothing_new_means_no_writes_and_no_toast(alice, pushed):
    with CaptureQueriesContext(connection) as captured:
        assert services.achievements_check(user=alice) == []

    assert pushed == []
    assert not any(q["sql"].startswith(("INSERT", "UPDATE")) for q in captured)


def test_check_many_checks_each_user(alice, bob, charlie, only_test_achievements, pushed):
    AchievementFactory(requirement_value=1)
    add_work(alice)
    add_work(bob)

    result = services.achievements_check_many(users=[alice, bob, charlie])

    assert {user_id: len(unlocks) for user_id, unlocks in result.items()} == {
        alice.pk: 1,
        bob.pk: 1,
        charlie.pk: 0,
    }
    assert [group for group, _ in pushed] == [f"user.{alice.pk}", f"user.{bob.pk}"]


# --- cost: bounded, not one query per achievement -----------------------------------------


def count_check_queries(user) -> int:
    with CaptureQueriesContext(connection) as captured:
        services.achievements_check(user=user, push=False)
    return len(captured)


def test_a_check_costs_the_same_queries_with_3_or_60_achievements(
    alice, bob, only_test_achievements, social_counts
):
    def define(count: int) -> None:
        for index in range(count):
            requirement = list(Requirement)[index % len(Requirement)]
            AchievementFactory(requirement_type=requirement, requirement_value=index + 1)

    define(7)
    add_work(alice, 3)
    few = count_check_queries(alice)
    define(60)
    add_work(bob, 3)
    many = count_check_queries(bob)

    # savepoint, pending achievements, 6 sources (sessions, streak, rooms, 3 social),
    # insert, re-read, notifications, release.
    assert few == many == 12


def test_a_check_with_nothing_pending_costs_one_query(alice, only_test_achievements):
    AchievementFactory(requirement_value=1)
    add_work(alice)
    services.achievements_check(user=alice)

    with CaptureQueriesContext(connection) as captured:
        services.achievements_check(user=alice)

    selects = [q for q in captured if q["sql"].startswith("SELECT")]
    assert len(selects) == 1


# --- races: one row, reported once ------------------------------------------------------


def test_checking_twice_unlocks_once_and_the_second_reports_nothing(alice, only_test_achievements):
    # The real concurrent race (two connections) runs on PostgreSQL in CI, below; on SQLite
    # writers are serialised, so here the checks run one after the other.
    AchievementFactory(requirement_value=1)
    add_work(alice)

    assert len(services.achievements_check(user=alice)) == 1
    assert services.achievements_check(user=alice) == []
    assert UserAchievement.objects.filter(user=alice).count() == 1
    assert Notification.objects.filter(user=alice).count() == 1


def test_a_check_that_loses_the_race_reports_nothing(
    alice, only_test_achievements, monkeypatch, pushed
):
    """Another check inserts the row between this check's read and its insert."""
    achievement = AchievementFactory(requirement_value=1)
    add_work(alice)
    real_due = queries.achievements_due

    def due_then_a_racer_wins(*, user):
        due = real_due(user=user)
        UserAchievement.objects.create(
            user=user, achievement=achievement, unlocked_at=datetime(2026, 1, 1, tzinfo=user.tzinfo)
        )
        return due

    monkeypatch.setattr(queries, "achievements_due", due_then_a_racer_wins)

    assert services.achievements_check(user=alice) == []
    assert UserAchievement.objects.filter(user=alice).count() == 1
    assert not Notification.objects.exists()
    assert pushed == []


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="RACE TEST NEEDS POSTGRESQL (DATABASE_URL=postgres://...): SQLite serialises writers; "
    "the SQLite tests above cover the same path one check at a time.",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_checks_on_separate_connections_unlock_once(pushed):
    from accounts.tests.factories import UserFactory

    Achievement.objects.update(is_active=False)
    AchievementFactory(requirement_value=1)
    user = UserFactory()
    SessionHistoryFactory(user=user, room=RoomFactory(owner=user))
    barrier = threading.Barrier(4)
    results: list[int] = []
    errors: list[BaseException] = []

    def check() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(len(services.achievements_check(user=user)))
        except BaseException as error:  # surfaced by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=check) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert sorted(results) == [0, 0, 0, 1]
    assert UserAchievement.objects.filter(user=user).count() == 1
    assert Notification.objects.filter(user=user).count() == 1


def test_unlock_time_is_the_check_time(alice, only_test_achievements, time_machine):
    moment = datetime(2026, 5, 1, 9, 30, tzinfo=alice.tzinfo)
    time_machine.move_to(moment, tick=False)
    AchievementFactory(requirement_value=1)
    add_work(alice, ended_at=moment - timedelta(minutes=1))

    (unlock,) = services.achievements_check(user=alice)

    assert unlock.unlocked_at == moment
