"""The services that change the counts check achievements themselves (never the client)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from achievements.models import UserAchievement
from rooms import services as room_services
from stats.tests.factories import SessionHistoryFactory
from timers import services as timer_services

pytestmark = pytest.mark.django_db

T0 = datetime.fromisoformat("2026-01-05T09:00:00+00:00")


@pytest.fixture(autouse=True)
def _defaults(time_machine):
    from achievements.models import Achievement

    # Rooms and memberships are made an hour before the timers in these tests start.
    time_machine.move_to(T0 - timedelta(hours=1), tick=False)

    assert Achievement.objects.filter(slug="first-session").exists(), (
        "the data migration's defaults"
    )


def _unlocked(user) -> set[str]:
    return set(
        UserAchievement.objects.filter(user=user).values_list("achievement__slug", flat=True)
    )


def test_a_completed_work_phase_unlocks_first_focus_for_everyone_present(
    room, alice, bob, django_capture_on_commit_callbacks
):
    timer_services.timer_command(room=room, by=alice, action="start", now=T0)
    assert "first-session" not in _unlocked(alice)

    with django_capture_on_commit_callbacks(execute=True):
        timer_services.timers_advance_due(now=T0 + timedelta(minutes=25, seconds=1))

    assert "first-session" in _unlocked(alice)
    assert "first-session" in _unlocked(bob)


def test_a_break_alone_unlocks_nothing(
    room, alice, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(T0 - timedelta(hours=1), tick=False)
    timer_services.timer_command(room=room, by=alice, action="start", now=T0)
    timer_services.timer_command(room=room, by=alice, action="skip", now=T0 + timedelta(minutes=1))

    with django_capture_on_commit_callbacks(execute=True):
        timer_services.timers_advance_due(now=T0 + timedelta(minutes=7))

    assert "first-session" not in _unlocked(alice)


def test_joining_a_room_checks_the_rooms_joined_achievement(
    charlie, alice, django_capture_on_commit_callbacks
):
    room = room_services.room_create(owner=alice, name="Open")

    with django_capture_on_commit_callbacks(execute=True):
        room_services.room_join(room=room, user=charlie)

    assert "first-room" in _unlocked(charlie)
    assert "rooms-5" not in _unlocked(charlie)


@pytest.mark.django_db(transaction=True)
def test_outside_tests_the_check_after_a_phase_runs_on_its_worker_thread(settings):
    """The commit path only hands the check over; the unlock follows on the worker."""
    import threading

    from accounts.tests.factories import UserFactory
    from achievements import subscriptions
    from focusmate.events import SessionsRecorded, deliver
    from rooms.tests.factories import RoomFactory

    settings.ACHIEVEMENT_CHECKS_INLINE = False
    user = UserFactory()
    SessionHistoryFactory(user=user, room=RoomFactory(owner=user))
    threads = []
    real_check = subscriptions.achievements_check_many

    def recording_check(**kwargs):
        threads.append(threading.current_thread().name)
        return real_check(**kwargs)

    subscriptions.achievements_check_many = recording_check
    try:
        event = SessionsRecorded(
            room_id=1, user_ids=frozenset({user.pk}), work_user_ids=frozenset({user.pk})
        )
        deliver(event)
        subscriptions._worker.submit(lambda: None).result(timeout=10)  # the batch ran
    finally:
        subscriptions.achievements_check_many = real_check

    assert threads and threads[0].startswith("achievement-checks")
    assert UserAchievement.objects.filter(user=user, achievement__slug="first-session").exists()


@pytest.mark.django_db(transaction=True)
def test_outside_tests_the_checks_of_many_rooms_phases_run_as_one_batch(settings):
    """A scheduler pass ending many rooms' phases hands over many events: one check runs."""
    from accounts.tests.factories import UserFactory
    from achievements import subscriptions
    from focusmate.events import SessionsRecorded, deliver
    from rooms.tests.factories import RoomFactory

    settings.ACHIEVEMENT_CHECKS_INLINE = False
    users = UserFactory.create_batch(3)
    for user in users:
        SessionHistoryFactory(user=user, room=RoomFactory(owner=user))
    batches = []
    real_check = subscriptions.achievements_check_many

    def recording_check(*, users):
        users = list(users)
        batches.append({user.pk for user in users})
        return real_check(users=users)

    subscriptions.achievements_check_many = recording_check
    try:
        for room_id, user in enumerate(users, start=1):
            deliver(
                SessionsRecorded(
                    room_id=room_id,
                    user_ids=frozenset({user.pk}),
                    work_user_ids=frozenset({user.pk}),
                )
            )
        subscriptions._worker.submit(lambda: None).result(timeout=10)  # the batch ran
    finally:
        subscriptions.achievements_check_many = real_check

    assert batches == [{user.pk for user in users}]
    for user in users:
        assert UserAchievement.objects.filter(user=user, achievement__slug="first-session").exists()
