"""Faults, each with its figure: Redis restarted, PostgreSQL restarted, a server killed
with SIGKILL, and sockets opened and closed by the hundred (no leaks).

    redis-server --port 6391 --daemonize yes --save '' --appendonly no
    DATABASE_URL=postgres://... REDIS_URL=redis://127.0.0.1:6391/0 \\
        .venv/bin/python bench/faults.py redis --processes 2

It restarts REDIS_URL's Redis (redis-cli / redis-server), and for `postgres` this
machine's PostgreSQL (pg_ctlcluster), so it refuses 6379 and `postgres` unless told
--restart-shared, where nothing else needs them. Each scenario starts real servers on free ports
against throw-away users and rooms, and deletes them afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx
import websockets
from channels.layers import get_channel_layer
from django.db import connection
from django.utils import timezone
from harness import (
    HOST,
    Participant,
    Room,
    Server,
    Timer,
    User,
    check_migrated,
    create_fixture,
    delete_rooms,
    free_port,
)
from room_broadcast import htmx_post, press_start

from api.services import token_issue
from messaging.models import ChatMessage, Message
from timers.services import SCHEDULER_GROUP

# The Redis the servers use (REDIS_URL's port): the one this script restarts. A private
# one (`redis-server --port 6380 --daemonize yes` and REDIS_URL=redis://127.0.0.1:6380/0)
# leaves the machine's own alone.
REDIS_PORT = int(
    re.search(r":(\d+)", os.environ.get("REDIS_URL", ":6379").split("//")[-1]).group(1)
)

OUTAGE_SECONDS = 8.0
PHASE_ENDS_AFTER = 3.0  # seconds into the outage

PERSON_OFFLINE = re.compile(r'id="person-(\d+)"[^>]*?data-online="false"')


def sh(command: str) -> str:
    return subprocess.run(command, shell=True, capture_output=True, text=True).stdout  # noqa: S602


async def open_socket(base: str, room_id: int, session_key: str):
    port = base.rsplit(":", 1)[1]
    socket = await websockets.connect(
        f"ws://{HOST}:{port}/ws/rooms/{room_id}/",
        origin=base,
        additional_headers={"Cookie": f"sessionid={session_key}"},
        ping_interval=None,
        open_timeout=60,
        max_size=None,
    )
    await socket.recv()  # the snapshot
    return socket


async def first_frame(socket, pattern: str, timeout: float) -> float | None:
    """Seconds until a frame containing `pattern` arrives, or None."""
    began = time.perf_counter()
    try:
        while True:
            left = timeout - (time.perf_counter() - began)
            frame = await asyncio.wait_for(socket.recv(), timeout=max(0.01, left))
            if re.search(pattern, frame):
                return time.perf_counter() - began
    except (TimeoutError, websockets.ConnectionClosed):
        return None


def extra_room(fixture) -> int:
    """A second room of the fixture's first user (deleted with its owner)."""
    owner = User.objects.get(pk=fixture.user_ids[0])
    room = Room.objects.create(name=f"Faults {fixture.tag}", owner=owner, is_public=True)
    Timer.objects.create(room=room)
    Participant.objects.create(room=room, user=owner, joined_at=timezone.now(), joined_seq=1)
    return room.pk


def timed_get(url: str) -> tuple[int, float]:
    began = time.perf_counter()
    try:
        status = httpx.get(url, timeout=15).status_code
    except httpx.HTTPError:
        status = 0
    return status, time.perf_counter() - began


# --- scenarios ----------------------------------------------------------------------------


async def close_code_of_new_socket(base: str, room_id: int, session_key: str) -> str:
    """How a socket opened now ends: its close code, or the HTTP refusal of its handshake."""
    port = base.rsplit(":", 1)[1]
    try:
        socket = await websockets.connect(
            f"ws://{HOST}:{port}/ws/rooms/{room_id}/",
            origin=base,
            additional_headers={"Cookie": f"sessionid={session_key}"},
            open_timeout=10,
        )
    except websockets.InvalidStatus as refused:
        return f"HTTP {refused.response.status_code}"
    try:
        await asyncio.wait_for(socket.recv(), timeout=10)
        await socket.close()
        return "open (snapshot)"
    except websockets.ConnectionClosed as closed:
        return f"closed {closed.rcvd.code if closed.rcvd else 1006}"


async def redis_restart(fixture, base: str) -> list[str]:
    """Redis away for OUTAGE_SECONDS under a room page, with a timer phase ending meanwhile
    and commands and messages sent during it; then how soon pages are true again."""
    user = await asyncio.to_thread(User.objects.get, pk=fixture.user_ids[1])
    other_room = await asyncio.to_thread(extra_room, fixture)
    page = await open_socket(base, fixture.room_id, fixture.session_keys[1])
    sender = await open_socket(base, fixture.room_id, fixture.session_keys[0])
    _, started = await press_start(base, fixture.room_id, fixture.session_keys[0])
    # The work phase ends PHASE_ENDS_AFTER s into the outage (the scheduler is woken as
    # a service starting a timer would wake it).
    deadline = timezone.now() + timedelta(seconds=1 + PHASE_ENDS_AFTER)
    await asyncio.to_thread(Timer.objects.filter(room_id=fixture.room_id).update, ends_at=deadline)
    await get_channel_layer().group_send(SCHEDULER_GROUP, {"type": "scheduler.wake"})
    await asyncio.sleep(1)
    sh(f"redis-cli -p {REDIS_PORT} shutdown nosave")
    down = time.perf_counter()
    await asyncio.sleep(0.5)
    health, _ = timed_get(f"{base}/health")
    health_body = httpx.get(f"{base}/health", timeout=10).text
    _, command = await htmx_post(
        base,
        fixture.session_keys[0],
        f"/rooms/{other_room}/",
        f"/rooms/{other_room}/timer/",
        {"action": "start"},
    )
    _, direct = await htmx_post(
        base,
        fixture.session_keys[0],
        f"/messages/{user.username}/",
        f"/messages/{user.username}/",
        {"body": "sent while Redis is away"},
    )
    handshake = await close_code_of_new_socket(base, fixture.room_id, fixture.session_keys[1])
    await asyncio.sleep(max(0.0, OUTAGE_SECONDS - (time.perf_counter() - down)))
    sh(
        f"redis-server --daemonize yes --bind 127.0.0.1 --port {REDIS_PORT} --save '' "
        "--appendonly no"
    )
    back = time.perf_counter()
    # A chat line sent at once, likely before the servers' subscriptions are back.
    await asyncio.sleep(0.15)
    await sender.send(json.dumps({"chat": "just after Redis returned"}))
    line_seen = await first_frame(sender, "just after Redis returned|data-catch-up", 10)
    line_after = (time.perf_counter() - back) if line_seen is not None else None
    # The phase ended during the outage: how soon the page open through it shows it.
    shown = await first_frame(page, 'data-phase="short_break"', timeout=15)
    shown_after = (time.perf_counter() - back) if shown is not None else None
    while timed_get(f"{base}/health")[0] != 200 and time.perf_counter() - back < 30:
        await asyncio.sleep(0.05)
    healthy_after = time.perf_counter() - back
    await page.close()
    await sender.close()
    lines = await asyncio.to_thread(
        ChatMessage.objects.filter(body="just after Redis returned").count
    )
    stored = await asyncio.to_thread(Message.objects.filter(body="sent while Redis is away").count)
    note = "live delivery is down" in direct.text
    return [
        f"redis      down {OUTAGE_SECONDS:.0f} s; during it: /health {health} {health_body}",
        f"redis      during it: a timer command {command.status_code}; a direct message "
        f"{direct.status_code} (stored {stored}x, sender told it was not pushed: {note}); "
        f"a new socket {handshake}",
        "redis      a work phase that ended "
        f"{PHASE_ENDS_AFTER:.0f} s into the outage (Start {started}) was shown by the page "
        "open through it "
        + (f"{shown_after:.2f} s after Redis returned" if shown_after is not None else "NEVER")
        + f"; /health 200 again after {healthy_after:.2f} s",
        "redis      a chat line sent 0.15 s after Redis returned (stored "
        f"{lines}x) reached its sender's page "
        + (f"{line_after:.2f} s after Redis returned" if line_after is not None else "NEVER"),
    ]


# A private cluster's data directory (--pg-data): stopped and started with pg_ctl as the
# postgres user, instead of this machine's cluster with pg_ctlcluster.
PG_DATA: str | None = None


def postgres(action: str) -> None:
    if PG_DATA:
        # Its port is the cluster's own (postgresql.conf); the log keeps the server off
        # this script's pipe, which would never close.
        mode = " -m fast" if action == "stop" else f" -l {PG_DATA}.log"
        sh(f"su postgres -c '/usr/lib/postgresql/15/bin/pg_ctl -D {PG_DATA} -w {action}{mode}'")
    else:
        cluster = sh("ls /etc/postgresql").split()[0]
        sh(f"pg_ctlcluster {cluster} main {action}" + (" -m fast" if action == "stop" else ""))


def api_get(base: str, path: str, token: str) -> tuple[int, str, str]:
    response = httpx.get(f"{base}{path}", headers={"Authorization": f"Bearer {token}"}, timeout=15)
    return response.status_code, response.headers.get("content-type", ""), response.text


async def postgres_restart(fixture, base: str) -> list[str]:
    _, token = await asyncio.to_thread(
        token_issue, user=await asyncio.to_thread(User.objects.get, pk=fixture.user_ids[0])
    )
    page = await open_socket(base, fixture.room_id, fixture.session_keys[1])
    postgres("stop")
    cookie = {"Cookie": f"sessionid={fixture.session_keys[0]}"}
    began = time.perf_counter()
    rooms = httpx.get(f"{base}/rooms/", headers=cookie, timeout=15)
    rooms_time = time.perf_counter() - began
    api_status, api_type, api_body = api_get(base, "/api/v1/rooms/", token)
    command = httpx.post(
        f"{base}/api/v1/timer/{fixture.room_id}/start",
        headers={"Authorization": f"Bearer {token}"},
        timeout=15,
    )
    handshake = await close_code_of_new_socket(base, fixture.room_id, fixture.session_keys[1])
    health, health_time = timed_get(f"{base}/health")
    postgres("start")
    back = time.perf_counter()
    while timed_get(f"{base}/health")[0] != 200 and time.perf_counter() - back < 60:
        await asyncio.sleep(0.2)
    recovered = time.perf_counter() - back
    _, status = await press_start(base, fixture.room_id, fixture.session_keys[0])
    pushed = await first_frame(page, 'data-status="running"', timeout=10)
    await page.close()
    return [
        f"postgres   during the outage: a page {rooms.status_code} "
        f"(Retry-After {rooms.headers.get('retry-after')}, {rooms_time * 1000:.0f} ms); "
        f"/api/v1/rooms/ {api_status} {api_type} {api_body}",
        f"postgres   during it: an API timer command {command.status_code} "
        f"{command.headers.get('content-type', '')}; a new socket {handshake}; "
        f"/health {health} in {health_time * 1000:.0f} ms",
        f"postgres   healthy {recovered:.2f} s after PostgreSQL returned, no restart of the "
        f"server; Start {status}, pushed to the page open through it "
        f"{'yes' if pushed is not None else 'NO'}",
    ]


async def kill9(fixture, base: str) -> list[str]:
    """Bob's socket is on a second server, which dies; Alice's page (on the first) sees
    Bob go offline once his presence expires."""
    other = Server("daphne", free_port(), workers=False)
    other.wait_until_up()
    watcher = await open_socket(base, fixture.room_id, fixture.session_keys[0])
    victim = await open_socket(other.url, fixture.room_id, fixture.session_keys[1])
    await asyncio.sleep(1)
    while True:  # drain the arrival pushes
        try:
            await asyncio.wait_for(watcher.recv(), timeout=1.0)
        except TimeoutError:
            break
    other.process.kill()
    other.process.wait()
    bob = fixture.user_ids[1]
    offline = await first_frame(watcher, rf'id="person-{bob}"[^>]*?data-online="false"', 60)
    victim.transport.abort()
    await watcher.close()
    return [
        "kill -9    a server process with Bob's socket killed; the other process's page "
        + (f"showed him offline {offline:.1f} s later" if offline else "NEVER showed him offline")
    ]


async def leaks(fixture, base: str) -> list[str]:
    def clients() -> int:
        return int(
            re.search(
                r"connected_clients:(\d+)", sh(f"redis-cli -p {REDIS_PORT} info clients")
            ).group(1)
        )

    baseline = clients()
    sockets = []
    for round_ in range(5):
        sockets = await asyncio.gather(
            *(open_socket(base, fixture.room_id, key) for key in fixture.session_keys)
        )
        during = clients()
        await asyncio.gather(*(socket.close() for socket in sockets))
        del round_
    await asyncio.sleep(3)
    after = clients()
    return [
        f"leaks      Redis clients: {baseline} before, {during} with {len(sockets)} sockets "
        f"open, {after} after 5 rounds of {len(sockets)} sockets opened and closed"
    ]


SCENARIOS = {"redis": redis_restart, "postgres": postgres_restart, "kill9": kill9, "leaks": leaks}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenarios", nargs="+", choices=list(SCENARIOS))
    parser.add_argument("--clients", type=int, default=100, help="sockets for `leaks` (100)")
    parser.add_argument(
        "--processes", type=int, default=1, help="server processes (`serve --workers N`)"
    )
    parser.add_argument(
        "--restart-shared",
        action="store_true",
        help="allow restarting Redis on 6379 and this machine's PostgreSQL cluster",
    )
    parser.add_argument(
        "--pg-data",
        help="for `postgres`: a private cluster's data directory (pg_ctl as postgres), "
        "the one DATABASE_URL points at",
    )
    args = parser.parse_args()
    global PG_DATA
    PG_DATA = args.pg_data
    shared_redis = "redis" in args.scenarios and REDIS_PORT == 6379
    shared_postgres = "postgres" in args.scenarios and not args.pg_data
    if not args.restart_shared and (shared_redis or shared_postgres):
        sys.exit(
            "redis restarts REDIS_URL's Redis and postgres this machine's PostgreSQL: use a "
            "private Redis (REDIS_URL=redis://127.0.0.1:6391/0 after `redis-server --port "
            "6391 --daemonize yes --save ''`) and a private cluster (--pg-data), or pass "
            "--restart-shared where nothing else needs them."
        )
    check_migrated()
    lines = []
    for name in args.scenarios:
        fixture = create_fixture(args.clients if name == "leaks" else 2)
        connection.close()
        server = Server("daphne", free_port(), workers=True, processes=args.processes)
        try:
            server.wait_until_up(timeout=90)  # three processes on a busy machine
            lines += asyncio.run(SCENARIOS[name](fixture, server.url))
        finally:
            server.stop()
            connection.close()
            # With the history their phases wrote (which protects a room from deletion).
            rooms = Room.objects.filter(owner_id__in=fixture.user_ids)
            delete_rooms(list(rooms.values_list("pk", flat=True)), fixture.user_ids)
    print("```")
    print("\n".join(lines))
    print("```")


if __name__ == "__main__":
    main()
