"""Benchmark one crowded room: a timer start pushed to N sockets, then the room list under load.

Run by hand, not a test (`make bench`, or `.venv/bin/python bench/room_broadcast.py`):

    DATABASE_URL=... REDIS_URL=... CHANNEL_LAYER_BACKEND=pubsub|core \\
        .venv/bin/python bench/room_broadcast.py --clients 1000 --seconds 10

It makes N throw-away users with sessions and one room holding all of them (through
the ORM, against whatever DATABASE_URL says; migrate that database first), starts
the real server on a free 127.0.0.1 port, opens N WebSockets on the room, waits
for each one's snapshot, presses Start over HTTP and records for every socket the
delay from just before the POST to its first frame showing the timer running. Then
it loads the room list with a bounded number of concurrent logged-in requests.
Everything it made is deleted at the end (unless --keep) and the server stopped.

The server gets this process's environment, so DATABASE_URL, REDIS_URL,
CHANNEL_LAYER_BACKEND, DEBUG... apply to both. `--server uvicorn` needs uvicorn (the
`bench` extra: `make bench` installs it); it runs without lifespan,
so without the in-process scheduler (the start push does not need it).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import django
import httpx
import websockets
from bare_broadcast import measure
from django.conf import settings
from django.db import connection
from harness import (
    HOST,
    RUNNING,
    Fixture,
    Server,
    check_migrated,
    create_fixture,
    delete_fixture,
    free_port,
    ms,
    percentile,
    raise_open_file_limit,
    size,
    spread,
)

# --- the sockets -----------------------------------------------------------------------------


@dataclass
class Client:
    session_key: str
    user_id: int = 0
    ws: object = None
    connect_started: float = 0.0
    snapshot_at: float | None = None
    running_at: float | None = None
    running_frame_bytes: int = 0
    frames: int = 0
    last_frame_at: float = 0.0
    # the head count this socket was last told (the snapshot's, then pushed changes)
    people_count: int = 0

    received_bytes: int = 0
    snapshot: asyncio.Event = field(default_factory=asyncio.Event)
    error: str | None = None


COUNT = re.compile(r'id="people-count"[^>]*?data-count="(\d+)"')


async def read_frames(client: Client) -> None:
    try:
        async for frame in client.ws:
            at = time.perf_counter()
            text = frame if isinstance(frame, str) else frame.decode()
            client.frames += 1
            client.last_frame_at = at
            counts = COUNT.findall(text)
            if counts:
                client.people_count = int(counts[-1])
            client.received_bytes += len(text)
            if client.snapshot_at is None and 'id="timer"' in text:
                client.snapshot_at = at
                client.snapshot.set()
            elif client.running_at is None and RUNNING in text:
                client.running_at = at
                client.running_frame_bytes = len(text)
    except websockets.ConnectionClosed as closed:
        if client.snapshot_at is None:
            client.error = (
                f"closed before the snapshot ({closed.rcvd.code if closed.rcvd else '?'})"
            )


async def open_client(client: Client, url: str, origin: str, gate: asyncio.Semaphore) -> None:
    async with gate:
        client.connect_started = time.perf_counter()
        try:
            client.ws = await websockets.connect(
                url,
                origin=origin,
                additional_headers={"Cookie": f"sessionid={client.session_key}"},
                max_size=None,
                open_timeout=30,
                ping_interval=None,  # the server's pings are enough; keep the traffic measured
                close_timeout=2,
            )
        except (OSError, websockets.InvalidHandshake, TimeoutError) as error:
            client.error = f"connect: {error!r}"
            client.snapshot.set()
            return
    asyncio.get_running_loop().create_task(read_frames(client))
    try:
        await asyncio.wait_for(client.snapshot.wait(), timeout=60)
    except TimeoutError:
        client.error = client.error or "no snapshot in 60 s"


# --- the run ---------------------------------------------------------------------------------

START_P99: dict[str, float] = {}


def floor_line(args: argparse.Namespace, *, start_p99: float | None) -> str:
    """The same fan-out with a bare websockets server, on this machine in this run."""
    port = free_port()
    bare = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("bare_broadcast.py")), "serve", str(port)]
    )
    results = {}
    try:
        time.sleep(1.0)
        for word in ("go", "each"):
            results[word] = asyncio.run(
                measure(
                    port,
                    args.clients,
                    connect_concurrency=args.connect_concurrency,
                    trigger_word=word,
                )
            )
    finally:
        bare.terminate()
        bare.wait(timeout=10)
    parts = []
    for word, label in (("go", "websockets.broadcast"), ("each", "one awaited send each")):
        floor = percentile(results[word], 99)
        ratio = f" (start push p99 = {start_p99 / floor:.2f}x)" if start_p99 else ""
        parts.append(f"{label} {spread(results[word])}{ratio}")
    return f"floor      bare websockets, {args.clients} sockets: " + "; ".join(parts)


async def press_start(base: str, room_id: int, session_key: str) -> tuple[float, int]:
    """GETs the room page (for the CSRF cookie), then POSTs start; returns (t0, status)."""
    t0, response = await htmx_post(
        base, session_key, f"/rooms/{room_id}/", f"/rooms/{room_id}/timer/", {"action": "start"}
    )
    return t0, response.status_code


async def htmx_post(
    base: str, session_key: str, page: str, path: str, data: dict
) -> tuple[float, httpx.Response]:
    """GETs `page` (for the CSRF cookie), then POSTs `data` to `path` as a page's HTMX
    request would; returns (when the POST left, its response)."""
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        http.cookies.set("sessionid", session_key, domain=HOST)
        answer = await http.get(page)
        answer.raise_for_status()
        # With DEBUG off the cookie is Secure, which an http:// client keeps to itself:
        # take it from the response header, and the token from <body hx-headers>, as a
        # browser's HTMX request would.
        cookie = re.search(r"csrftoken=([^;]+)", answer.headers.get("set-cookie", ""))
        token = re.search(r'"X-CSRFToken": "([^"]+)"', answer.text)
        if not cookie or not token:
            raise RuntimeError(f"{page} set no CSRF cookie or token")
        headers = {
            "Cookie": f"sessionid={session_key}; csrftoken={cookie.group(1)}",
            "X-CSRFToken": token.group(1),
            "Origin": base,
            "Referer": f"{base}{page}",
            "HX-Request": "true",
        }
        t0 = time.perf_counter()
        return t0, await http.post(path, data=data, headers=headers)


async def load_room_list(
    base: str, session_keys: list[str], *, concurrency: int, seconds: float
) -> tuple[list[float], int, float]:
    """`concurrency` logged-in clients GET /rooms/ back to back for `seconds`.

    Each first makes one uncounted request (its connection and the server's first
    renders); the timed part starts when all have.
    """
    latencies: list[float] = []
    errors = 0
    warm = asyncio.Barrier(concurrency + 1)
    go = asyncio.Event()
    stop_at = 0.0

    async def worker(session_key: str) -> None:
        nonlocal errors
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            http.cookies.set("sessionid", session_key, domain=HOST)
            try:
                await http.get("/rooms/")
            finally:
                await warm.wait()
            await go.wait()
            while time.perf_counter() < stop_at:
                began = time.perf_counter()
                try:
                    response = await http.get("/rooms/")
                    ok = response.status_code == 200
                except httpx.HTTPError:
                    ok = False
                if ok:
                    latencies.append(time.perf_counter() - began)
                else:
                    errors += 1

    keys = [session_keys[i % len(session_keys)] for i in range(concurrency)]
    workers = [asyncio.create_task(worker(key)) for key in keys]
    await warm.wait()
    began = time.perf_counter()
    stop_at = began + seconds
    go.set()
    await asyncio.gather(*workers)
    return latencies, errors, time.perf_counter() - began


async def run(args: argparse.Namespace, fixture: Fixture, base: str) -> list[str]:
    lines: list[str] = []
    origin = base
    url = f"ws://{HOST}:{base.rsplit(':', 1)[1]}/ws/rooms/{fixture.room_id}/"
    clients = [
        Client(session_key=key, user_id=user_id)
        for key, user_id in zip(fixture.session_keys, fixture.user_ids, strict=True)
    ]

    gate = asyncio.Semaphore(args.connect_concurrency)
    began = time.perf_counter()
    await asyncio.gather(*(open_client(client, url, origin, gate) for client in clients))
    connect_seconds = time.perf_counter() - began
    ready = [c for c in clients if c.snapshot_at is not None and c.error is None]
    failed = [c for c in clients if c.snapshot_at is None or c.error is not None]
    lines.append(
        f"connect    {len(ready)}/{len(clients)} sockets with a snapshot in "
        f"{connect_seconds:.2f} s ({args.connect_concurrency} handshakes at a time); "
        f"connect->snapshot {spread([c.snapshot_at - c.connect_started for c in ready])}"
    )
    if failed:
        reasons = sorted({c.error or "?" for c in failed})
        lines.append(f"failures   {len(failed)}: {'; '.join(reasons)[:300]}")

    # Every join pushes the people list to the whole room: wait for that to drain, and
    # report it, before the timed part.
    drained = await settle(ready, limit=args.push_timeout)
    presence_frames = sum(c.frames - 1 for c in ready)
    lines.append(
        f"presence   pushes while the room filled: {presence_frames / max(1, len(ready)):.1f} "
        f"frames per socket, {size(sum(c.received_bytes for c in ready))} in all (snapshots "
        f"included); the last {max(c.last_frame_at for c in ready) - began:.2f} s after the "
        "first connect" + ("" if drained else f" (STILL BUSY after {args.push_timeout:.0f} s)")
    )
    if ready:
        # The page lists the first people and counts the rest: every socket must end up
        # with the whole room's head count, from its snapshot and the pushes after it.
        right = sum(1 for c in ready if c.people_count == len(fixture.user_ids))
        lines.append(
            f"presence   {right}/{len(ready)} sockets show the full head count "
            f"({len(fixture.user_ids)}) once the room has filled"
        )

    t0, status = await press_start(base, fixture.room_id, fixture.session_keys[0])
    post_done = time.perf_counter() - t0
    deadline = time.perf_counter() + args.push_timeout
    while time.perf_counter() < deadline and any(c.running_at is None for c in ready):
        await asyncio.sleep(0.01)  # the sockets' readers record the arrivals
    delays = [c.running_at - t0 for c in ready if c.running_at is not None]
    if delays:
        START_P99["p99"] = percentile(delays, 99)
    frame_bytes = max((c.running_frame_bytes for c in ready), default=0)
    lines.append(
        f"start      POST {status} in {ms(post_done)}; pushed to {len(delays)}/{len(clients)} "
        f"sockets; POST->frame {spread(delays)}; frame {size(frame_bytes)}"
    )

    latencies, errors, took = await load_room_list(
        base, fixture.session_keys, concurrency=args.concurrency, seconds=args.seconds
    )
    lines.append(
        f"room list  GET /rooms/, {args.concurrency} concurrent for {took:.1f} s with "
        f"{len(ready)} sockets open: {len(latencies)} ok, {errors} errors, "
        f"{len(latencies) / took:.1f} req/s; "
        + (
            f"p50 {ms(percentile(latencies, 50))}  p99 {ms(percentile(latencies, 99))}"
            if latencies
            else "no successful request"
        )
    )

    for client in clients:
        if client.ws is not None:
            client.ws.transport.abort()  # no close storm: the server is stopped next
    return lines


async def settle(clients: list[Client], *, quiet: float = 1.0, limit: float = 30) -> bool:
    """Waits until no socket has received a frame for `quiet` seconds; False after `limit`."""
    stop_at = time.perf_counter() + limit
    last = sum(c.frames for c in clients)
    quiet_since = time.perf_counter()
    while time.perf_counter() < stop_at:
        await asyncio.sleep(0.05)
        now_frames = sum(c.frames for c in clients)
        if now_frames != last:
            last, quiet_since = now_frames, time.perf_counter()
        elif time.perf_counter() - quiet_since >= quiet:
            return True
    return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=200, help="sockets in the room (200)")
    parser.add_argument("--seconds", type=float, default=10, help="room list load time (10)")
    parser.add_argument("--concurrency", type=int, default=20, help="room list requests (20)")
    parser.add_argument("--server", choices=["daphne", "uvicorn"], default="daphne")
    parser.add_argument(
        "--no-workers", action="store_true", help="daphne: no in-process timer scheduler"
    )
    parser.add_argument(
        "--connect-concurrency", type=int, default=50, help="handshakes at a time (50)"
    )
    parser.add_argument("--push-timeout", type=float, default=30, help="seconds to wait (30)")
    parser.add_argument("--keep", action="store_true", help="keep the users and room afterwards")
    parser.add_argument(
        "--floor",
        action="store_true",
        help="also time a bare websockets broadcast to as many sockets (no Django), in this run",
    )
    args = parser.parse_args()
    if not 1 <= args.clients <= 5000:
        parser.error("--clients must be between 1 and 5000")
    if not 0 < args.seconds <= 300 or not 1 <= args.concurrency <= 500:
        parser.error("--seconds must be in (0, 300] and --concurrency in [1, 500]")

    nofile = raise_open_file_limit(2 * args.clients + args.concurrency + 256)
    check_migrated()
    layer = settings.CHANNEL_LAYERS["default"]["BACKEND"]
    fixture = create_fixture(args.clients)
    connection.close()  # the server is another process; SQLite must not see us holding a lock
    port = free_port()
    with_workers = args.server == "daphne" and not args.no_workers
    server = Server(args.server, port, workers=with_workers)
    lines = [
        f"config     server={args.server}{'+workers' if with_workers else ''} "
        f"db={connection.vendor} layer={layer.rsplit('.', 1)[-1]} ({layer}) "
        f"clients={args.clients} debug={settings.DEBUG} python={platform.python_version()} "
        f"django={django.get_version()} cpus={os.cpu_count()} nofile={nofile}"
    ]
    try:
        server.wait_until_up()
        lines += asyncio.run(run(args, fixture, server.url))
    except BaseException:
        print("\n".join(lines), file=sys.stderr)
        print(f"--- server log ({server.log_path}) ---\n{server.log_tail()}", file=sys.stderr)
        raise
    finally:
        server.stop()
        if not args.keep:
            delete_fixture(fixture)
    if args.floor:
        lines.append(floor_line(args, start_p99=START_P99.get("p99")))
    print("```")
    print("\n".join(lines))
    print("```")


if __name__ == "__main__":
    main()
