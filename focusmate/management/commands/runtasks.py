"""Runs the background-task worker as its own process (several may run side by side)."""

from __future__ import annotations

import signal

from django.core.management.base import BaseCommand

from focusmate.lib.broadcast import layer_is_process_local
from focusmate.worker import TaskWorker


class Command(BaseCommand):
    help = (
        "Run queued background tasks (achievement checks). `serve` runs one in its own "
        "process; run this beside servers started with `serve --no-workers`."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--once", action="store_true", help="Run what is queued now, then exit."
        )
        parser.add_argument(
            "--lease-seconds",
            type=float,
            default=None,
            help="A task running longer than this was abandoned by a dead worker and runs "
            "again (default: TASK_LEASE_SECONDS).",
        )

    def handle(self, *args, once: bool, lease_seconds: float | None, **options):
        worker = TaskWorker(lease_seconds=lease_seconds)
        if once:
            worker.run_ready()
            self.stdout.write("Ran the queued tasks.")
            return
        if layer_is_process_local():
            self.stderr.write(
                "Warning: REDIS_URL is not set, so this process cannot reach the web server's "
                "sockets; tasks will run but their pushes (achievement toasts) are lost."
            )
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: worker.stop())
        self.stdout.write("Task worker running (Ctrl-C to stop).")
        worker.run()
        self.stdout.write("Task worker stopped.")
