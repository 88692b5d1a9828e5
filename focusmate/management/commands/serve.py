"""Serves the whole site (HTTP and WebSockets) with Daphne, plus the in-process workers.

Daphne does not speak the ASGI lifespan protocol, so background coroutines (the timer
scheduler) cannot be started by the application itself. This command starts them on
Daphne's own event loop once the server listens, so that with the in-memory channel
layer they can reach the sockets of this process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

logger = logging.getLogger("focusmate.serve")

# How long a stopping server waits for database work already under way.
SHUTDOWN_GRACE_SECONDS = 5.0


async def _wind_down(tasks: list[asyncio.Task]) -> None:
    """Stops the workers, then lets the database thread finish what it is doing.

    A socket's last presence update or a scheduler pass may be running in asgiref's
    database thread when the server is told to stop, and its on-commit broadcast
    needs this event loop. Once the loop has stopped, that thread waits for ever, and
    the interpreter, which joins it at exit, never exits. So the loop keeps turning
    until a no-op queued behind that work has run.
    """
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(sync_to_async(lambda: None)(), SHUTDOWN_GRACE_SECONDS)


class Command(BaseCommand):
    help = "Serve Focus Mate with Daphne and run the in-process background workers."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--no-workers",
            action="store_true",
            help="Do not run the in-process workers (use `manage.py runtimers` instead).",
        )

    def handle(self, *args, host: str, port: int, no_workers: bool, **options):
        from daphne.endpoints import build_endpoint_description_strings
        from daphne.server import Server
        from twisted.internet import defer, reactor

        from focusmate.asgi import application

        workers = [] if no_workers else list(settings.IN_PROCESS_WORKERS)
        if "InMemoryChannelLayer" in settings.CHANNEL_LAYERS["default"]["BACKEND"]:
            # One process owns every socket, and none is open yet: clear presence left
            # over from a previous run that did not shut down cleanly.
            from rooms.services import presence_reset_all

            presence_reset_all()
        tasks: list[asyncio.Task] = []

        def start_workers() -> None:
            loop = asyncio.get_event_loop()
            for path in workers:
                tasks.append(loop.create_task(import_string(path)(), name=path))
                logger.info("started in-process worker %s", path)
            # Twisted runs "before shutdown" triggers while the event loop still turns.
            reactor.addSystemEventTrigger(
                "before",
                "shutdown",
                lambda: defer.Deferred.fromFuture(asyncio.ensure_future(_wind_down(tasks))),
            )

        self.stdout.write(f"Focus Mate at http://{host}:{port}/ (Ctrl-C to stop)")
        Server(
            application=application,
            endpoints=build_endpoint_description_strings(host=host, port=port),
            ready_callable=start_workers,
            verbosity=int(options.get("verbosity", 1)),
        ).run()
        self.stdout.write("Stopped.")
