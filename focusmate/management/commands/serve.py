"""Serves the whole site (HTTP and WebSockets) with Daphne, plus the in-process workers.

With `--workers N` (N > 1) it supervises N server processes on one listening socket and
one timer scheduler instead (focusmate/lib/supervisor.py).

Daphne does not speak the ASGI lifespan protocol, so background coroutines (the timer
scheduler) cannot be started by the application itself. This command starts them on
Daphne's own event loop once the server listens, so that with the in-memory channel
layer they can reach the sockets of this process.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import gc
import logging
import signal
import time

from asgiref.sync import SyncToAsync
from daphne.endpoints import build_endpoint_description_strings
from daphne.http_protocol import WebRequest
from daphne.server import Server
from daphne.ws_protocol import WebSocketProtocol
from django.conf import settings
from django.core import checks
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string

from focusmate.asgi import application
from focusmate.lib.broadcast import layer_is_process_local
from focusmate.lib.frames import MAX_FRAME_CHARACTERS
from focusmate.lib.supervisor import Supervisor, bind
from rooms.services import presence_reset_all

logger = logging.getLogger("focusmate.serve")

LISTEN_BACKLOG = 2048
WEBSOCKET_HANDSHAKE_SECONDS = 30
# The server reads a frame of at most this many bytes: every frame the app would read
# whole (MAX_FRAME_CHARACTERS, each up to 4 bytes in UTF-8) gets through, and the app
# answers a too-long one with a toast, the socket kept. A bigger frame is refused by the
# server with a close 1009 ("message too big") and a reason, never a bare drop (see
# failByDrop below).
WEBSOCKET_MAX_FRAME_BYTES = 4 * MAX_FRAME_CHARACTERS

# How long a stopping server waits for work already under way.
SHUTDOWN_GRACE_SECONDS = 5.0
# How long a server told to stop lets its requests in flight finish (focusmate.lib.supervisor
# waits longer than this and the wind-down together before it kills a child).
DRAIN_SECONDS = 8.0
DRAIN_CHECK_SECONDS = 0.05
# "Service restart": the page's socket script (the htmx ws extension) reconnects at once on
# 1012, to another process; on 1001 ("going away") it would not reconnect at all.
CLOSE_SERVICE_RESTART = 1012


class GracefulServer(Server):
    """Daphne's server, stopping as a deploy needs on SIGTERM (or Ctrl-C).

    Daphne leaves the signals to Twisted, which stops the reactor at once: requests in
    flight were cut off and every socket dropped without a close frame (1006). Here the
    first signal
    1. stops listening: a process beside it on the same socket (`--workers N`), or the
       next deploy's, takes the new connections;
    2. closes every WebSocket with 1012, so pages reconnect at once (to another process);
    3. lets the HTTP requests in flight and the sockets' own clean-up finish, for up to
       DRAIN_SECONDS;
    4. then stops. A second signal stops at once.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, signal_handlers=False, **kwargs)
        self.listening_ports: list = []
        self.draining_until: float | None = None

    def run(self) -> None:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._on_stop_signal)
        super().run()

    async def handle_reply(self, protocol, message: dict) -> None:
        """Daphne's, except that a socket may be closed with the RFC's server codes.

        autobahn's `sendClose` takes only 1000 and 3000-4999, so an application's close
        with 1011, 1012 or 1013 ("try again later", focusmate.lib.sockets) raised inside
        Daphne and the socket stayed open. Daphne itself sends 1011 with the lower-level
        `sendCloseFrame`; so does this.
        """
        code = message.get("code")
        if (
            message.get("type") == "websocket.close"
            and isinstance(protocol, WebSocketProtocol)
            and protocol.state == protocol.STATE_OPEN
            and code is not None
            and code != 1000
            and not 3000 <= code <= 4999
            and "disconnected" not in self.connections.get(protocol, {"disconnected": 0})
        ):
            protocol.sendCloseFrame(code=code)
            return
        await super().handle_reply(protocol, message)

    def listen_success(self, port) -> None:
        super().listen_success(port)
        self.listening_ports.append(port)

    def _on_stop_signal(self, signum, frame) -> None:
        from twisted.internet import reactor

        reactor.callFromThread(self.drain)

    def drain(self) -> None:
        if self.draining_until is not None:  # a second signal: stop now
            logger.warning("stopping now, not waiting for work in flight")
            self.stop()
            return
        self.draining_until = time.monotonic() + DRAIN_SECONDS
        logger.info("stopping: no new connections; closing sockets with 1012; draining")
        for port in self.listening_ports:
            port.stopListening()
        self._drain_step()

    def _drain_step(self) -> None:
        try:
            self._drain_or_stop()
        except Exception:  # Twisted would swallow it (its log goes nowhere): stop now
            logger.exception("draining failed; stopping now")
            self.stop()

    def _drain_or_stop(self) -> None:
        from twisted.internet import reactor

        busy = 0
        for protocol, details in list(self.connections.items()):
            instance = details.get("application_instance")
            if "disconnected" not in details:
                if isinstance(protocol, WebSocketProtocol):
                    if protocol.state == protocol.STATE_OPEN:
                        protocol.sendCloseFrame(code=CLOSE_SERVICE_RESTART)
                    busy += 1
                elif isinstance(protocol, WebRequest):
                    busy += 1
            elif instance is not None and not instance.done():
                busy += 1  # a socket's consumer still cleaning up (its presence)
        if busy and time.monotonic() < self.draining_until:
            reactor.callLater(DRAIN_CHECK_SECONDS, self._drain_step)
            return
        if busy:
            logger.warning("stopping with %d connection(s) still busy", busy)
        self.stop()


# Start-up's objects (Django, the templates, the URLs: about 170,000) are frozen out of
# every later collection. Raising the collector's thresholds as well (50,000 or 10,000
# allocations) shortened a storm further, but the 10-minute soak's memory then grew by
# 6-9% instead of 2% (bench/soak.py), so Python's thresholds stay.
def _freeze_start_up_objects() -> None:
    """Settles start-up's objects for good (gc.freeze): no collection walks them again."""
    gc.collect()
    gc.freeze()


async def _wind_down() -> None:
    """Cancels what is left on the loop (workers, sockets) and lets its sync work finish.

    A socket's last presence update or a scheduler pass may be running in one of
    asgiref's sync threads when the server stops, and its on-commit broadcast needs
    this event loop. With the loop stopped for good, that thread would wait for ever,
    and the interpreter, which joins it at exit, would never exit. So the loop turns
    until every task is done and a no-op queued behind every sync thread has run.
    """
    loop = asyncio.get_running_loop()
    this_task = asyncio.current_task()
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(SHUTDOWN_GRACE_SECONDS):
            while pending := [task for task in asyncio.all_tasks() if task is not this_task]:
                for task in pending:
                    task.cancel()
                # A cancelled sync_to_async call still waits for its thread.
                await asyncio.gather(*pending, return_exceptions=True)
            executors = [SyncToAsync.single_thread_executor]
            executors += list(SyncToAsync.context_to_thread_executor.values())
            noops = []
            for executor in executors:
                with contextlib.suppress(RuntimeError):  # that request's thread is gone
                    noops.append(loop.run_in_executor(executor, lambda: None))
            await asyncio.gather(*noops)


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
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            help="Server processes sharing the port (more than 1 needs REDIS_URL); with more "
            "than 1, exactly one timer scheduler runs beside them.",
        )
        parser.add_argument(
            "--fd",
            type=int,
            default=None,
            help="Serve on this inherited listening socket instead of --host/--port.",
        )

    def handle(self, *args, host: str, port: int, no_workers: bool, **options):
        worker_count, fd = options["workers"], options["fd"]
        if not settings.DEBUG and fd is None:
            # Production: the deployment checks must pass (a supervised child was checked
            # by its parent already).
            self.check(include_deployment_checks=True, fail_level=checks.ERROR)
        if worker_count < 1:
            raise CommandError("--workers must be 1 or more.")
        if worker_count > 1:
            if layer_is_process_local():
                raise CommandError(
                    "--workers above 1 needs REDIS_URL: several processes reach each "
                    "other's sockets only through a Redis channel layer "
                    "(for example REDIS_URL=redis://127.0.0.1:6379/0)."
                )
            try:
                listener = bind(host, port)
            except (ValueError, OSError) as error:
                raise CommandError(f"Can't listen on {host}:{port}: {error}") from error
            self.stdout.write(
                f"Focus Mate at http://{host}:{port}/ with {worker_count} server processes"
                f"{'' if no_workers else ' and one timer scheduler'} (Ctrl-C to stop)"
            )
            Supervisor(
                listener=listener,
                workers=worker_count,
                verbosity=int(options.get("verbosity", 1)),
                scheduler=not no_workers,  # another machine already runs one
            ).run()
            self.stdout.write("Stopped.")
            return
        workers = [] if no_workers else list(settings.IN_PROCESS_WORKERS)
        if layer_is_process_local():
            # One process owns every socket, and none is open yet: clear presence left
            # over from a previous run that did not shut down cleanly.
            presence_reset_all()
        tasks: list[asyncio.Task] = []

        def on_listening() -> None:
            # Autobahn "fails" a socket (a frame over the limit, a protocol error) by
            # dropping the TCP connection unless told otherwise: the browser sees 1006
            # and no reason. With failByDrop off it sends a close frame with the code
            # (1009 for a frame too big) and the reason first. Daphne makes the factory
            # in run(), which calls this before accepting any connection.
            server.ws_factory.setProtocolOptions(failByDrop=False)
            loop = asyncio.get_event_loop()
            for path in workers:
                tasks.append(loop.create_task(import_string(path)(), name=path))
                logger.info("started in-process worker %s", path)

        _freeze_start_up_objects()
        if fd is None:
            # Twisted's default listen backlog (50) drops handshakes when a class of a
            # thousand connects at once; the kernel caps it at net.core.somaxconn.
            endpoints = [
                f"{description}:backlog={LISTEN_BACKLOG}"
                for description in build_endpoint_description_strings(host=host, port=port)
            ]
            self.stdout.write(f"Focus Mate at http://{host}:{port}/ (Ctrl-C to stop)")
        else:
            endpoints = build_endpoint_description_strings(file_descriptor=fd)  # IPv4
        server = GracefulServer(
            application=application,
            endpoints=endpoints,
            ready_callable=on_listening,
            # Daphne drops a socket whose handshake takes 5 s; under a burst (500 at once
            # on a busy 2-core machine) that dropped people who would have been let in,
            # and each came back at once through the page's reconnect.
            websocket_handshake_timeout=WEBSOCKET_HANDSHAKE_SECONDS,
            # The pages send short frames (commands, intentions, chat lines).
            websocket_max_message_size=WEBSOCKET_MAX_FRAME_BYTES,
            websocket_max_frame_size=WEBSOCKET_MAX_FRAME_BYTES,
            verbosity=int(options.get("verbosity", 1)),
        )
        # The loop runs in a context of its own. Start-up (the system checks populating
        # the URL resolvers) set some thirty asgiref Locals in this thread's context, and
        # every socket and request inherited them: asgiref copies each one in and out of
        # every sync call, which made a call cost 70 us of CPU instead of 45.
        contextvars.Context().run(server.run)
        # Daphne has stopped the loop; turn it until the work left on it is done.
        asyncio.get_event_loop().run_until_complete(_wind_down())
        self.stdout.write("Stopped.")
