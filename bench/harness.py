"""What the room benchmark stands on: its throw-away data, the server process, the figures.

Imported by bench/room_broadcast.py, which sets nothing up itself: importing this module
configures Django from the environment (DATABASE_URL, REDIS_URL, ...).
"""

from __future__ import annotations

import importlib.util
import logging
import os
import resource
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "focusmate.settings")

import django  # noqa: E402

django.setup()
logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.contrib.sessions.models import Session  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.migrations.executor import MigrationExecutor  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.crypto import get_random_string  # noqa: E402

from accounts.models import User  # noqa: E402
from rooms.models import Participant, Room  # noqa: E402
from stats.models import SessionHistory  # noqa: E402
from timers.models import Timer  # noqa: E402

HOST = "127.0.0.1"
RUNNING = 'data-status="running"'
SESSION_KEY_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789"  # what Django's own keys use


# --- the fixture: users, sessions, one room ------------------------------------------------


@dataclass
class Fixture:
    tag: str
    room_id: int
    user_ids: list[int]
    session_keys: list[str]


def check_migrated() -> None:
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        sys.exit(f"The database ({connection.vendor}) has unapplied migrations: run migrate.")


# Every session this process made for its throw-away users, for delete_rooms.
_sessions_made: list[str] = []


def users_with_sessions(clients: int) -> tuple[str, list[User], list[Session]]:
    """N throw-away users, each with a logged-in session; returns (tag, users, sessions)."""
    tag = f"bench{secrets.token_hex(3)}"
    unusable = make_password(None)  # nobody can log in with a password as these users
    users = User.objects.bulk_create(
        User(username=f"{tag}_{i}", email=f"{tag}_{i}@bench.invalid", password=unusable)
        for i in range(clients)
    )
    users = list(User.objects.filter(username__startswith=f"{tag}_").order_by("pk"))
    backend = settings.AUTHENTICATION_BACKENDS[0]
    expires = timezone.now() + timedelta(days=1)
    encoder = SessionStore()
    sessions = [
        Session(
            session_key=get_random_string(32, SESSION_KEY_CHARS),
            session_data=encoder.encode(
                {
                    SESSION_KEY: str(user.pk),
                    BACKEND_SESSION_KEY: backend,
                    HASH_SESSION_KEY: user.get_session_auth_hash(),
                }
            ),
            expire_date=expires,
        )
        for user in users
    ]
    Session.objects.bulk_create(sessions)
    _sessions_made.extend(session.session_key for session in sessions)
    return tag, users, sessions


def create_fixture(clients: int) -> Fixture:
    """N users, a logged-in session each, and one public room with all of them present."""
    tag, users, sessions = users_with_sessions(clients)
    room = Room.objects.create(name=f"Benchmark {tag}", owner=users[0], is_public=True)
    Timer.objects.create(room=room)
    now = timezone.now()
    Participant.objects.bulk_create(
        Participant(room=room, user=user, joined_at=now, joined_seq=1) for user in users
    )
    return Fixture(
        tag=tag,
        room_id=room.pk,
        user_ids=[user.pk for user in users],
        session_keys=[session.session_key for session in sessions],
    )


def delete_rooms(room_ids: list[int], user_ids: list[int]) -> None:
    """Deletes throw-away rooms with their history, and the throw-away people with the
    sessions made for them (a session names its user only inside its encoded data)."""
    SessionHistory.objects.filter(room_id__in=room_ids).delete()
    Room.objects.filter(pk__in=room_ids).delete()
    Session.objects.filter(session_key__in=_sessions_made).delete()
    _sessions_made.clear()
    User.objects.filter(pk__in=user_ids).delete()


def delete_fixture(fixture: Fixture) -> None:
    Room.objects.filter(pk=fixture.room_id).delete()
    Session.objects.filter(session_key__in=fixture.session_keys).delete()
    User.objects.filter(pk__in=fixture.user_ids).delete()


# --- the server ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, kind: str, port: int, *, workers: bool, processes: int = 1):
        if kind == "uvicorn":
            if importlib.util.find_spec("uvicorn") is None:
                sys.exit(
                    "--server uvicorn needs uvicorn: .venv/bin/pip install 'uvicorn[standard]'"
                )
            # No lifespan: the timer scheduler does not run in this process (not needed here).
            command = [
                sys.executable,
                "-m",
                "uvicorn",
                "focusmate.asgi:application",
                "--host",
                HOST,
                "--port",
                str(port),
                "--lifespan",
                "off",
                "--no-access-log",
                "--log-level",
                "warning",
            ]
        else:
            command = [sys.executable, "manage.py", "serve", "--host", HOST, "--port", str(port)]
            if not workers:
                command.append("--no-workers")
            if processes > 1:
                command += ["--workers", str(processes)]
        self.url = f"http://{HOST}:{port}"
        self.log_path = ROOT / "var" / f"bench-{port}.log"
        self.log_path.parent.mkdir(exist_ok=True)
        self._log = self.log_path.open("w")
        # Benchmarks run with DEBUG=false and send no mail.
        env = {
            **os.environ,
            "PYTHONUNBUFFERED": "1",
            "LOG_LEVEL": "WARNING",
            "ALLOW_CONSOLE_EMAIL": "true",
            # Plain http on loopback: no redirect to https (DEBUG=false would send one).
            "SECURE_SSL_REDIRECT": "false",
            "WEBSOCKET_ALLOWED_ORIGINS": f"http://{HOST}:{port}",
        }
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT
        )

    def wait_until_up(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=1) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)  # a start-up poll, not a test
        raise RuntimeError(f"the server did not start in {timeout} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        self._log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


# --- the figures -----------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds >= 0.01 else f"{seconds * 1000:.1f} ms"


def spread(values: list[float]) -> str:
    if not values:
        return "n/a"
    return (
        f"p50 {ms(percentile(values, 50))}  p99 {ms(percentile(values, 99))}  max {ms(max(values))}"
    )


def size(count: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if count < 1000 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1000
    raise AssertionError("unreachable")


def raise_open_file_limit(needed: int) -> str:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        soft = wanted
    return str(soft)
