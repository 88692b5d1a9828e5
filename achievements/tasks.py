"""Achievement checks as durable background tasks (Django's Tasks framework).

A check is queued as a row (django-tasks-db) and run by the task worker (focusmate/worker.py),
never in the request or the scheduler pass that earned it, and never in a process's memory:
a restart or a kill -9 of the worker leaves the row, which a worker runs again. That is safe
because a check is idempotent: run twice, it unlocks once (`achievements_check`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.tasks import task, task_backends
from django.utils import timezone

from accounts.models import User
from achievements.services import achievements_check_many
from focusmate.lib import broadcast

# After a scheduler pass the check waits this long, so that the pass's pushes leave first:
# run as they went out, a thousand rooms' checks held the interpreter's lock against the
# event loop delivering them (bench/timers_due.py).
AFTER_PASS_DELAY = timedelta(seconds=0.5)


@task
def achievements_check_users(user_ids: list[int]) -> int:
    """Checks these people's achievements; returns how many unlocked now."""
    users = User.objects.filter(pk__in=user_ids).order_by("pk")
    # Their toasts and bells leave together rather than one event-loop hop each.
    with broadcast.batched():
        unlocks = achievements_check_many(users=users)
    return sum(len(new) for new in unlocks.values())


def achievements_check_later(*, user_ids: Iterable[int], delay: timedelta | None = None) -> None:
    """Queues one check of these people (after `delay` where the backend can defer)."""
    ids = sorted(set(user_ids))
    if not ids:
        return
    queued = achievements_check_users
    if delay and task_backends[queued.backend].supports_defer:
        queued = queued.using(run_after=timezone.now() + delay)
    queued.enqueue(ids)
