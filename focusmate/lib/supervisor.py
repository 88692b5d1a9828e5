"""Several server processes on one listening socket, and exactly one timer scheduler.

`manage.py serve --workers N` binds the socket once in this (parent) process and starts
N children, each `serve --fd` adopting it (Daphne takes a listening socket by file
descriptor, and the kernel spreads connections among the processes accepting on it),
plus one `runtimers` and one `runtasks` child. A child that dies is started again (after
a short pause if it keeps dying). SIGTERM or SIGINT stops the children and then the parent:
each server stops listening, closes its sockets with 1012 and finishes its requests in
flight (serve.GracefulServer) before it exits.

What it replaces: a process manager (systemd units, gunicorn's master) running several
servers on several ports behind a proxy, with a separate unit for the scheduler.
Why: Daphne is one process on one core, and Daphne has no master of its own; this gives
a machine's cores one port, restarts, and exactly one scheduler. It is a feature, not a
speed trick, so it is not switched off by PERF_KIT_OFF: what a second process buys
depends on what else shares the cores (on 2 cores, the timer partial went from 193 to
290 req/s with a second process, the room list from 121 to 92, with PostgreSQL and wrk
on the same cores; docs/performance.md, "Pages under load"). Measure it on your machine:

    DATABASE_URL=postgres://... REDIS_URL=redis://... DEBUG=false ... \
        .venv/bin/python bench/pages.py --processes 2    # and --processes 1
"""

from __future__ import annotations

import logging
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

logger = logging.getLogger("focusmate.serve")

MANAGE = str(Path(__file__).resolve().parents[2] / "manage.py")
# Above a server's own drain and wind-down (serve.DRAIN_SECONDS + SHUTDOWN_GRACE_SECONDS).
STOP_GRACE_SECONDS = 15.0
# A child that dies sooner than this after starting is restarted after a pause.
CRASH_LOOP_SECONDS = 5.0


def bind(host: str, port: int) -> socket.socket:
    """An IPv4 listening socket the children can inherit (Daphne adopts IPv4 only)."""
    if ":" in host:
        raise ValueError("--workers above 1 listens on an IPv4 address (e.g. 0.0.0.0).")
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host.strip("[]"), port))
    listener.listen(2048)  # a class of a thousand connecting at once
    listener.set_inheritable(True)
    return listener


@dataclass
class Child:
    name: str
    argv: list[str]
    pass_fds: tuple[int, ...] = ()
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    restarts: int = 0
    not_before: float = field(default=0.0)

    def start(self) -> None:
        self.process = subprocess.Popen(self.argv, pass_fds=self.pass_fds)  # noqa: S603
        self.started_at = time.monotonic()
        logger.info("started %s pid=%s", self.name, self.process.pid)


class Supervisor:
    def __init__(
        self, *, listener: socket.socket, workers: int, verbosity: int, scheduler: bool = True
    ) -> None:
        self.listener = listener
        fd = listener.fileno()
        python = sys.executable
        serve = [python, MANAGE, "serve", "--fd", str(fd), "--no-workers", "-v", str(verbosity)]
        self.children = [
            Child(name=f"server-{n + 1}", argv=serve, pass_fds=(fd,)) for n in range(workers)
        ]
        if scheduler:
            self.children.append(Child(name="scheduler", argv=[python, MANAGE, "runtimers"]))
            self.children.append(Child(name="tasks", argv=[python, MANAGE, "runtasks"]))
        self.stopping = False

    def _stop(self, signum, frame) -> None:
        self.stopping = True

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        for child in self.children:
            child.start()
        while not self.stopping:
            time.sleep(0.2)
            for child in self.children:
                self._keep_alive(child)
        return self._stop_all()

    def _keep_alive(self, child: Child) -> None:
        if child.process is None or child.process.poll() is None:
            return
        now = time.monotonic()
        if not child.not_before:
            quick = now - child.started_at < CRASH_LOOP_SECONDS
            child.not_before = now + (min(30.0, 2.0 ** min(child.restarts, 5)) if quick else 0)
            logger.warning(
                "%s pid=%s exited with %s; restarting%s",
                child.name,
                child.process.pid,
                child.process.returncode,
                " after a pause" if quick else "",
            )
        if now >= child.not_before:
            child.not_before = 0.0
            child.restarts += 1
            child.start()

    def _stop_all(self) -> int:
        # This process never accepts: once each server has stopped listening too, new
        # connections are refused at once instead of waiting in a queue nobody reads.
        self.listener.close()
        running = [c.process for c in self.children if c.process and c.process.poll() is None]
        for process in running:
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        return 0
