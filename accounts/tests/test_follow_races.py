"""Follows that race: the unique constraints decide, and the person is told once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from accounts import services
from accounts.models import Follow, FollowTold
from messaging.models import Notification

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="RACE TEST NEEDS POSTGRESQL: SQLite serialises writers, so the race cannot happen.",
)
def test_racing_follows_make_one_follow_and_one_notification(alice, bob):
    threads = 8
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def follow() -> None:
        try:
            barrier.wait()
            services.follow_create(follower=alice, followed=bob)
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=follow) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert errors == []
    assert Follow.objects.filter(follower=alice, followed=bob).count() == 1
    assert FollowTold.objects.count() == 1
    assert Notification.objects.filter(user=bob).count() == 1
