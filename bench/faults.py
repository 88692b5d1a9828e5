"""Faults, each with its figure: Redis restarted, PostgreSQL restarted, a server killed
with SIGKILL, and sockets opened and closed by the hundred (no leaks).

    DATABASE_URL=postgres://... REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/faults.py redis postgres kill9 leaks

It restarts this machine's Redis and PostgreSQL (with redis-cli / pg_ctlcluster), so
run it where nothing else needs them. Each scenario starts real servers on free ports
against throw-away users and rooms, and deletes them afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx
import websockets
from django.db import connection
from harness import HOST, Server, check_migrated, create_fixture, delete_fixture, free_port
from room_broadcast import press_start

# The Redis the servers use (REDIS_URL's port): the one this script restarts. A private
# one (`redis-server --port 6380 --daemonize yes` and REDIS_URL=redis://127.0.0.1:6380/0)
# leaves the machine's own alone.
REDIS_PORT = int(
    re.search(r":(\d+)", os.environ.get("REDIS_URL", ":6379").split("//")[-1]).group(1)
)

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


def timed_get(url: str) -> tuple[int, float]:
    began = time.perf_counter()
    try:
        status = httpx.get(url, timeout=15).status_code
    except httpx.HTTPError:
        status = 0
    return status, time.perf_counter() - began


# --- scenarios ----------------------------------------------------------------------------


async def redis_restart(fixture, base: str) -> list[str]:
    socket = await open_socket(base, fixture.room_id, fixture.session_keys[1])
    sh(f"redis-cli -p {REDIS_PORT} shutdown nosave")
    time.sleep(1)
    during, _ = timed_get(f"{base}/health")
    health_body = httpx.get(f"{base}/health", timeout=10).text
    sh(
        f"redis-server --daemonize yes --bind 127.0.0.1 --port {REDIS_PORT} --save '' "
        "--appendonly no"
    )
    back = time.perf_counter()
    while timed_get(f"{base}/health")[0] != 200 and time.perf_counter() - back < 30:
        await asyncio.sleep(0.1)
    healthy_after = time.perf_counter() - back
    # The Start is pressed at once, possibly before this process's subscription to Redis
    # is back: its push may be lost, and the page must still show it within 5 s.
    _, status = await press_start(base, fixture.room_id, fixture.session_keys[0])
    pushed = await first_frame(socket, 'data-status="running"', timeout=15)
    shown_after = (time.perf_counter() - back) if pushed is not None else None
    fresh = await open_socket(base, fixture.room_id, fixture.session_keys[1])
    await fresh.close()
    await socket.close()
    return [
        f"redis      during the outage /health {during} {health_body}",
        f"redis      healthy {healthy_after:.2f} s after Redis returned; a Start pressed then "
        f"answered {status}, and the page open through the outage showed it "
        + (f"{shown_after:.1f} s after Redis returned" if shown_after is not None else "NEVER")
        + "; a new socket got its snapshot",
    ]


async def postgres_restart(fixture, base: str) -> list[str]:
    cluster = sh("ls /etc/postgresql").split()[0]
    sh(f"pg_ctlcluster {cluster} main stop -m fast")
    statuses = [timed_get(f"{base}/rooms/") for _ in range(3)]
    health, health_time = timed_get(f"{base}/health")
    sh(f"pg_ctlcluster {cluster} main start")
    back = time.perf_counter()
    while timed_get(f"{base}/health")[0] != 200 and time.perf_counter() - back < 60:
        await asyncio.sleep(0.2)
    recovered = time.perf_counter() - back
    socket = await open_socket(base, fixture.room_id, fixture.session_keys[1])
    _, status = await press_start(base, fixture.room_id, fixture.session_keys[0])
    pushed = await first_frame(socket, 'data-status="running"', timeout=10)
    await socket.close()
    slowest = max(seconds for _, seconds in statuses)
    return [
        "postgres   during the outage: /rooms/ answered "
        + ", ".join(str(code) for code, _ in statuses)
        + f" (slowest {slowest * 1000:.0f} ms); /health {health} in {health_time * 1000:.0f} ms",
        f"postgres   healthy {recovered:.2f} s after PostgreSQL returned, no restart of the "
        f"server; Start {status}, pushed {'yes' if pushed is not None else 'NO'}",
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
    args = parser.parse_args()
    check_migrated()
    lines = []
    for name in args.scenarios:
        fixture = create_fixture(args.clients if name == "leaks" else 2)
        connection.close()
        server = Server("daphne", free_port(), workers=True)
        try:
            server.wait_until_up()
            lines += asyncio.run(SCENARIOS[name](fixture, server.url))
        finally:
            server.stop()
            connection.close()
            delete_fixture(fixture)
    print("```")
    print("\n".join(lines))
    print("```")


if __name__ == "__main__":
    main()
