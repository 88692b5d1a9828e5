"""The services that change the counts check achievements themselves (never the client)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from achievements.models import UserAchievement
from rooms import services as room_services
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


@pytest.fixture
def queued_in_database(settings):
    """Tasks are queued as rows (the production backend) instead of running at once."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


# The worker closes connections it deems old, as between requests: a real transaction.
@pytest.mark.django_db(transaction=True)
def test_outside_tests_the_check_after_a_phase_is_queued_for_the_worker(
    room, alice, bob, queued_in_database, time_machine, django_capture_on_commit_callbacks
):
    """The commit path only queues the check (a row); the unlock follows on the worker."""
    from django_tasks_db.models import DBTaskResult

    from focusmate.worker import TaskWorker

    timer_services.timer_command(room=room, by=alice, action="start", now=T0)
    done = T0 + timedelta(minutes=25, seconds=1)
    with django_capture_on_commit_callbacks(execute=True):
        timer_services.timers_advance_due(now=done)

    (queued,) = DBTaskResult.objects.all()
    assert queued.status == "READY"
    assert queued.task_path == "achievements.tasks.achievements_check_users"
    assert "first-session" not in _unlocked(alice)

    time_machine.move_to(done + timedelta(seconds=1), tick=False)  # its short delay is over
    TaskWorker().run_ready()

    queued.refresh_from_db()
    assert queued.status == "SUCCESSFUL"
    assert "first-session" in _unlocked(alice)
    assert "first-session" in _unlocked(bob)


def test_outside_tests_the_checks_of_many_rooms_phases_are_one_task(
    alice, bob, charlie, queued_in_database, django_capture_on_commit_callbacks
):
    """A scheduler pass ending many rooms' phases queues one check of all their people."""
    from django_tasks_db.models import DBTaskResult

    rooms = []
    for owner in (alice, bob, charlie):
        rooms.append(room_services.room_create(owner=owner, name=f"{owner.username}'s"))
        timer_services.timer_command(room=rooms[-1], by=owner, action="start", now=T0)
    with django_capture_on_commit_callbacks(execute=True):
        assert timer_services.timers_advance_due(now=T0 + timedelta(minutes=25, seconds=1)) == 3

    (queued,) = DBTaskResult.objects.all()
    assert queued.args_kwargs["args"] == [sorted([alice.pk, bob.pk, charlie.pk])]
