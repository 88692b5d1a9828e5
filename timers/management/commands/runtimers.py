"""Runs the timer scheduler as its own process (several may run side by side)."""

from __future__ import annotations

import asyncio
import contextlib

from django.core.management.base import BaseCommand

from focusmate.lib.broadcast import layer_is_process_local
from timers import scheduler


class Command(BaseCommand):
    help = (
        "Advance due room timers as they reach their deadlines and push periodic syncs. "
        "Run one or more beside web servers started with `serve --no-workers`."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--once", action="store_true", help="Advance what is due now, then exit."
        )

    def handle(self, *args, once: bool, **options):
        if once:
            advanced, done = scheduler.advance_due_now()
            self.stdout.write(f"Advanced {advanced} timer(s).")
            if done:
                self.stdout.write(f"Did {done} item(s) of due work (sessions, reminders).")
            return
        if layer_is_process_local():
            self.stderr.write(
                "Warning: REDIS_URL is not set, so this process cannot reach the web server's "
                "sockets; timers will advance but browsers learn of it only on their next sync."
            )
        self.stdout.write("Timer scheduler running (Ctrl-C to stop).")
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(scheduler.run_forever())
        self.stdout.write("Timer scheduler stopped.")
