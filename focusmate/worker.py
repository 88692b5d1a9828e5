"""The background-task worker: django-tasks-db's, plus the tasks a dead worker held.

Background work (achievement checks) goes through Django's Tasks framework with
django-tasks-db's `DatabaseBackend`: a queued task is a row in our own database, written
by the request or the scheduler, so a restart loses nothing and there is no broker to run.
It is the database backend of `django-tasks`, the reference implementation of
`django.tasks` by the framework's author, split out for Django 6; its worker claims rows
with SKIP LOCKED, so several workers can share a queue.

Its worker marks a task RUNNING when it claims it and never looks at it again if the
process dies there (a kill -9, the OOM killer, a power cut: upstream issue
RealOrangeOne/django-tasks#46). So a task RUNNING for longer than `TASK_LEASE_SECONDS` is
put back in the queue and runs again. Tasks must therefore be idempotent (at least once):
an achievement check run twice unlocks once.

Finished tasks' rows would pile up for ever: once an hour the worker runs the package's
own `prune_db_task_results` for those finished more than `TASK_RESULTS_KEEP_DAYS` ago.

`manage.py serve` runs a worker on a thread of its own (`run_forever`, so that with the
in-memory channel layer its pushes reach this process's sockets); `manage.py runtasks`
runs one as a process.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django.tasks import DEFAULT_TASK_BACKEND_ALIAS, TaskResultStatus
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger("focusmate.worker")

# How often a worker looks for tasks abandoned by a dead worker (at most).
REQUEUE_EVERY_SECONDS = 10.0
PRUNE_EVERY_SECONDS = 3600.0


def requeue_abandoned(*, lease_seconds: float) -> int:
    """Puts tasks RUNNING for longer than `lease_seconds` back in the queue; returns how many."""
    cutoff = timezone.now() - timedelta(seconds=lease_seconds)
    return (
        DBTaskResult.objects.running()
        .filter(started_at__lt=cutoff)
        .update(status=TaskResultStatus.READY, started_at=None)
    )


def prune_finished() -> None:
    """Deletes the rows of tasks that finished more than TASK_RESULTS_KEEP_DAYS ago."""
    call_command(
        "prune_db_task_results",
        queue_name="*",
        min_age_days=settings.TASK_RESULTS_KEEP_DAYS,
        verbosity=0,
    )


class TaskWorker:
    """Runs the queue's ready tasks as they come, until `stop()`."""

    def __init__(
        self,
        *,
        poll_seconds: float | None = None,
        lease_seconds: float | None = None,
        worker_id: str | None = None,
    ) -> None:
        self.poll_seconds = (
            settings.TASK_WORKER_POLL_SECONDS if poll_seconds is None else poll_seconds
        )
        self.lease_seconds = settings.TASK_LEASE_SECONDS if lease_seconds is None else lease_seconds
        self._stopped = threading.Event()
        # batch: each `run()` runs what is ready, then returns (to requeue and to wait here).
        self._worker = Worker(
            queue_names=["*"],
            excluded_queue_names=[],
            interval=self.poll_seconds,
            batch=True,
            backend_name=DEFAULT_TASK_BACKEND_ALIAS,
            startup_delay=False,
            max_tasks=None,
            worker_id=worker_id or get_random_string(32),
        )

    def stop(self) -> None:
        """Stops after the task under way (if any)."""
        self._stopped.set()
        self._worker.running = False

    def run_ready(self) -> None:
        """Requeues abandoned tasks, then runs every task that is ready."""
        requeued = requeue_abandoned(lease_seconds=self.lease_seconds)
        if requeued:
            logger.warning("requeued %d task(s) abandoned by a worker that stopped", requeued)
        self._worker.run()

    def run(self) -> None:
        logger.info("task worker started (lease %ss)", self.lease_seconds)
        next_requeue = 0.0
        next_prune = time.monotonic() + PRUNE_EVERY_SECONDS
        try:
            while not self._stopped.is_set():
                try:
                    if time.monotonic() >= next_prune:
                        next_prune = time.monotonic() + PRUNE_EVERY_SECONDS
                        prune_finished()
                    if time.monotonic() >= next_requeue:
                        self.run_ready()
                        next_requeue = time.monotonic() + min(
                            self.lease_seconds, REQUEUE_EVERY_SECONDS
                        )
                    else:
                        self._worker.run()
                except Exception:
                    # The database went away (a restart, an outage): the queue waits in it.
                    logger.exception("task worker pass failed; retrying")
                self._stopped.wait(self.poll_seconds)
        finally:
            connections.close_all()
        logger.info("task worker stopped")


async def run_forever() -> None:
    """`serve`'s in-process worker, on a thread of its own, until cancelled."""
    worker = TaskWorker()
    thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="task-worker")
    try:
        await sync_to_async(worker.run, thread_sensitive=False, executor=thread)()
    finally:
        worker.stop()
        # The task under way may still push through this loop: keep it turning until done.
        await asyncio.wrap_future(thread.submit(lambda: None))
        thread.shutdown(wait=False)
