"""The background-task worker: a queued check survives the worker dying in the middle of it."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.tests.factories import UserFactory
from achievements.models import UserAchievement
from achievements.tasks import achievements_check_users
from conftest import LiveSite
from focusmate.worker import prune_finished, requeue_abandoned
from messaging.models import Notification
from rooms.tests.factories import RoomFactory
from stats.tests.factories import SessionHistoryFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def queued_in_database(settings):
    """Tasks are queued as rows (the production backend) instead of running at once."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def earned_first_session():
    """Someone with a work session on record and nothing unlocked yet."""
    user = UserFactory()
    SessionHistoryFactory(user=user, room=RoomFactory(owner=user))
    return user


def _first_session_unlocks(user) -> int:
    return UserAchievement.objects.filter(user=user, achievement__slug="first-session").count()


def _wait_for(condition, *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_a_check_run_twice_unlocks_once(earned_first_session):
    achievements_check_users.call([earned_first_session.pk])
    achievements_check_users.call([earned_first_session.pk])

    assert _first_session_unlocks(earned_first_session) == 1
    assert Notification.objects.filter(user=earned_first_session).count() == 1


def test_only_tasks_running_longer_than_the_lease_are_put_back(queued_in_database):
    abandoned = achievements_check_users.enqueue([1])
    under_way = achievements_check_users.enqueue([2])
    DBTaskResult.objects.filter(pk=abandoned.id).update(
        status="RUNNING", started_at=timezone.now() - timedelta(seconds=120)
    )
    DBTaskResult.objects.filter(pk=under_way.id).update(
        status="RUNNING", started_at=timezone.now() - timedelta(seconds=5)
    )

    assert requeue_abandoned(lease_seconds=60) == 1

    assert DBTaskResult.objects.get(pk=abandoned.id).status == "READY"
    assert DBTaskResult.objects.get(pk=under_way.id).status == "RUNNING"


def test_finished_tasks_rows_go_after_the_days_kept_and_queued_ones_stay(
    queued_in_database, settings
):
    settings.TASK_RESULTS_KEEP_DAYS = 7
    old_done, recent_done, old_queued = (achievements_check_users.enqueue([n]) for n in (1, 2, 3))
    finished = {"status": "SUCCESSFUL", "started_at": timezone.now() - timedelta(days=9)}
    DBTaskResult.objects.filter(pk=old_done.id).update(
        **finished, finished_at=timezone.now() - timedelta(days=8)
    )
    DBTaskResult.objects.filter(pk=recent_done.id).update(
        **finished, finished_at=timezone.now() - timedelta(days=6)
    )
    DBTaskResult.objects.filter(pk=old_queued.id).update(
        enqueued_at=timezone.now() - timedelta(days=30)
    )

    prune_finished()

    kept = {str(pk) for pk in DBTaskResult.objects.values_list("pk", flat=True)}
    assert kept == {recent_done.id, old_queued.id}


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="NEEDS POSTGRESQL: the worker is held mid-check by a table lock, which SQLite "
    "cannot take without locking out the worker's claim too.",
)
def test_a_kill_9_of_the_worker_in_the_middle_of_a_check_loses_no_check(
    queued_in_database, earned_first_session
):
    user = earned_first_session
    queued = achievements_check_users.enqueue([user.pk])

    with transaction.atomic():
        # The check reads the unlocks first; this holds it there, after the worker claimed it.
        with connection.cursor() as cursor:
            cursor.execute("LOCK TABLE achievements_userachievement IN ACCESS EXCLUSIVE MODE")
        worker = LiveSite({"TASK_WORKER_POLL_SECONDS": "0.1"}, command=("runtasks",), wait=False)
        try:
            _wait_for(
                lambda: DBTaskResult.objects.get(pk=queued.id).status == "RUNNING",
                seconds=60,
                what=f"the worker to claim the check (log: {worker.log_path})",
            )
            time.sleep(0.3)  # it is in the check now, waiting for the lock
            worker.process.kill()  # SIGKILL: no handler, no clean-up
            worker.process.wait(timeout=10)
        finally:
            worker.stop()

    assert DBTaskResult.objects.get(pk=queued.id).status == "RUNNING"  # as it was left
    assert _first_session_unlocks(user) == 0

    # The next worker finds it abandoned (here at once: lease 0, no other worker is alive).
    again = LiveSite(None, command=("runtasks", "--once", "--lease-seconds", "0"), wait=False)
    try:
        assert again.process.wait(timeout=60) == 0, again.log_path.read_text()
    finally:
        again.stop()

    assert DBTaskResult.objects.get(pk=queued.id).status == "SUCCESSFUL"
    assert _first_session_unlocks(user) == 1
    assert Notification.objects.filter(user=user).count() == 1


def test_the_worker_outlives_a_failed_pass_and_runs_the_queue(
    queued_in_database, earned_first_session, monkeypatch
):
    import threading

    from focusmate import worker as worker_module

    real_requeue = worker_module.requeue_abandoned
    failures = []

    def requeue_failing_once(**kwargs):
        if not failures:
            failures.append("database away")
            raise worker_module.DBTaskResult.DoesNotExist("database away")
        return real_requeue(**kwargs)

    monkeypatch.setattr(worker_module, "requeue_abandoned", requeue_failing_once)
    monkeypatch.setattr(worker_module, "REQUEUE_EVERY_SECONDS", 0.0)
    queued = achievements_check_users.enqueue([earned_first_session.pk])
    task_worker = worker_module.TaskWorker(poll_seconds=0.05)
    thread = threading.Thread(target=task_worker.run)
    thread.start()
    try:
        _wait_for(
            lambda: DBTaskResult.objects.get(pk=queued.id).status == "SUCCESSFUL",
            seconds=30,
            what="the worker to run the check after its failed pass",
        )
    finally:
        task_worker.stop()
        thread.join(timeout=10)

    assert failures == ["database away"]
    assert not thread.is_alive()
    assert _first_session_unlocks(earned_first_session) == 1
