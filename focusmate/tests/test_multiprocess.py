"""Several processes on PostgreSQL and Redis, with real servers and no test doubles.

Two server processes (A and B) and one `runtimers` scheduler, as several machines would
run them: a socket on B sees a Start posted to A; three phases with five members give
exactly fifteen history rows; a scheduler killed with SIGKILL mid-run loses and
doubles nothing once another one runs. Then `serve --workers 2` on its own: two servers
on one port, exactly one scheduler, and a killed server is started again.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time

import httpx
import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone
from websockets.sync.client import connect

from accounts.tests.factories import UserFactory
from conftest import LiveSite
from rooms import services as room_services
from stats.models import SessionHistory
from timers.models import Timer

pytestmark = [pytest.mark.django_db(transaction=True)]

NEEDS = "MULTI-PROCESS TEST NEEDS POSTGRESQL AND REDIS (DATABASE_URL=postgres://…, REDIS_URL=…)"


@pytest.fixture
def shared_env():
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        if os.environ.get("FOCUSMATE_REQUIRE_E2E"):
            pytest.fail(NEEDS)
        pytest.skip(reason=NEEDS)
    prefix = f"mp{os.getpid()}{int(time.time())}"
    return {"CHANNEL_LAYER_PREFIX": prefix, "TIMER_SYNC_SECONDS": "1"}


@pytest.fixture
def processes(shared_env):
    started: list[LiveSite] = []

    def start(command: tuple[str, ...], **kwargs) -> LiveSite:
        site = LiveSite(shared_env, command=command, **kwargs)
        started.append(site)
        return site

    yield start
    for site in started:
        if site.process.poll() is None:
            site.stop()


def _cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _socket(site: LiveSite, room, user):
    return connect(
        f"ws://127.0.0.1:{site.port}/ws/rooms/{room.pk}/",
        additional_headers={
            "Cookie": f"{settings.SESSION_COOKIE_NAME}={_cookie(user)}",
            "Origin": site.url,
        },
        open_timeout=10,
    )


def _status_pushed(socket, status: str, seconds: float = 5) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            frame = socket.recv(timeout=max(0.05, deadline - time.monotonic()))
        except TimeoutError:
            return False
        if re.search(rf'id="timer"[^>]*?data-status="{status}"', frame, re.S):
            return True
    return False


def _post_start(site: LiveSite, room, user) -> int:
    with httpx.Client(base_url=site.url, timeout=10) as http:
        http.cookies.set(settings.SESSION_COOKIE_NAME, _cookie(user))
        page = http.get(room.get_absolute_url()).text
        token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
        response = http.post(
            f"/rooms/{room.pk}/timer/",
            data={"action": "start"},
            headers={"X-CSRFToken": token, "HX-Request": "true"},
        )
    return response.status_code


def _end_phase_now(room) -> int:
    """Moves the running phase's deadline to now; returns the phase's seq."""
    timer = Timer.objects.get(room=room)
    Timer.objects.filter(room=room).update(ends_at=timezone.now())
    return timer.seq


def _wait_for_seq(room, seq: int, seconds: float = 8) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if Timer.objects.get(room=room).seq >= seq:
            return True
        time.sleep(0.1)
    return False


def test_two_servers_and_a_scheduler_keep_one_exact_timer(processes):
    alice = UserFactory(username="alice")
    members = [alice, *UserFactory.create_batch(4)]
    room = room_services.room_create(
        owner=alice, name="Five", work_minutes=1, short_break_minutes=1, auto_start_work=True
    )
    for member in members[1:]:
        room_services.room_join(room=room, user=member)
    server_a, server_b = processes(("serve", "--no-workers")), processes(("serve", "--no-workers"))
    scheduler = processes(("runtimers",), wait=False)

    with _socket(server_b, room, members[1]) as on_b:
        assert _status_pushed(on_b, "idle")  # the snapshot
        assert _post_start(server_a, room, alice) == 200
        assert _status_pushed(on_b, "running", seconds=3), "B never heard of A's Start"

        # Phase 1 (work) ends; the scheduler records it and the break starts by itself.
        first = _end_phase_now(room)
        assert _wait_for_seq(room, first + 1)
        # The scheduler dies without a chance to clean up, while phase 2 comes due.
        scheduler.process.send_signal(signal.SIGKILL)
        scheduler.process.wait(timeout=5)
        second = _end_phase_now(room)
        time.sleep(1.5)
        assert Timer.objects.get(room=room).seq == second  # nobody advanced it
        replacement = processes(("runtimers",), wait=False)
        assert _wait_for_seq(room, second + 1), "the new scheduler did not catch up"
        third = _end_phase_now(room)
        assert _wait_for_seq(room, third + 1)
        assert _status_pushed(on_b, "running")  # pushes still reach B
        replacement.stop()

    rows = SessionHistory.objects.filter(room=room)
    assert rows.count() == 15
    assert set(rows.values_list("seq", flat=True)) == {first, second, third}
    per_person = {m.pk: rows.filter(user=m).count() for m in members}
    assert per_person == {m.pk: 3 for m in members}


def _children(parent_pid: int) -> list[str]:
    out = subprocess.run(
        ["ps", "-ww", "-o", "pid=,args=", "--ppid", str(parent_pid)],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return [line.strip() for line in out.splitlines() if line.strip()]


def test_serve_with_two_workers_runs_one_scheduler_and_restarts_a_dead_server(processes):
    site = processes(("serve", "--workers", "2"))
    children = _children(site.process.pid)
    servers = [line for line in children if " serve --fd " in line]
    schedulers = [line for line in children if " runtimers" in line]
    assert len(servers) == 2 and len(schedulers) == 1, children
    health = json.loads(httpx.get(f"{site.url}/health", timeout=5).text)
    assert health["channel_layer"] == "ok"

    victim = int(servers[0].split()[0])
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        now = [line for line in _children(site.process.pid) if " serve --fd " in line]
        if len(now) == 2 and all(int(line.split()[0]) != victim for line in now):
            break
        time.sleep(0.2)
    else:
        pytest.fail(f"the killed server was not replaced: {_children(site.process.pid)}")
    assert httpx.get(f"{site.url}/health", timeout=5).status_code == 200
    assert len([line for line in _children(site.process.pid) if " runtimers" in line]) == 1


def test_several_workers_without_redis_refuse_to_start_and_say_why(tmp_path):
    env = {**os.environ, "REDIS_URL": "", "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"}
    result = subprocess.run(
        [sys.executable, "manage.py", "serve", "--workers", "2", "--port", "1"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "needs REDIS_URL" in result.stderr
