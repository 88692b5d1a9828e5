"""Benchmark timers due together: N rooms whose phases end in the same second.

    DATABASE_URL=... REDIS_URL=... .venv/bin/python bench/timers_due.py --rooms 1000

It makes N rooms with one member each (throw-away users with sessions), starts the
real server (Daphne with its one in-process scheduler) on a free port, opens one socket
per room as its member, then sets every room's work phase running with the same
deadline a few seconds ahead, and wakes the scheduler as the services starting those
timers would. For every socket it times the delay from the deadline to
its frame showing the break; then it checks that every transition was recorded exactly
once (one history row per room). Everything it made is deleted at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import websockets
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection
from django.utils import timezone
from harness import (
    HOST,
    Server,
    check_migrated,
    delete_rooms,
    free_port,
    raise_open_file_limit,
    spread,
    users_with_sessions,
)

from rooms.models import Participant, Room
from stats.models import SessionHistory
from timers.models import Timer
from timers.services import SCHEDULER_GROUP

BREAK = 'data-phase="short_break"'


def make_rooms(count: int) -> tuple[list[int], list[str], list[int]]:
    tag, users, sessions = users_with_sessions(count)
    rooms = Room.objects.bulk_create(
        Room(name=f"Due {tag} {i}", owner=user, is_public=False, work_minutes=1)
        for i, user in enumerate(users)
    )
    rooms = list(Room.objects.filter(name__startswith=f"Due {tag} ").order_by("pk"))
    Timer.objects.bulk_create(Timer(room=room) for room in rooms)
    now = timezone.now()
    Participant.objects.bulk_create(
        Participant(room=room, user=room.owner, joined_at=now, joined_seq=1) for room in rooms
    )
    owners = {user.pk: session.session_key for user, session in zip(users, sessions, strict=True)}
    return [r.pk for r in rooms], [owners[r.owner_id] for r in rooms], [u.pk for u in users]


class Breaks:
    """Counts the sockets that have seen their break; `all_seen` once every one has."""

    def __init__(self, sockets: int):
        self.waiting = sockets
        self.all_seen = asyncio.Event()

    def seen(self) -> None:
        self.waiting -= 1
        if self.waiting == 0:
            self.all_seen.set()


async def watch(
    url: str, origin: str, session_key: str, ready: asyncio.Event, gate, breaks: Breaks
) -> float:
    """When the break reached this socket. It stays open until every socket has its break:
    a class does not leave at the bell, and a thousand disconnects while the last pushes
    are out would be timed as part of them."""
    async with gate:
        socket = await websockets.connect(
            url,
            origin=origin,
            additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={session_key}"},
            open_timeout=60,
            ping_interval=None,
            max_size=None,
        )
    await socket.recv()  # the snapshot
    ready.set()
    while True:
        frame = await socket.recv()
        if BREAK in frame:
            at = time.time()
            breaks.seen()
            await breaks.all_seen.wait()
            socket.transport.abort()
            return at


async def run(args, room_ids, session_keys, base: str) -> list[str]:
    port = base.rsplit(":", 1)[1]
    gate = asyncio.Semaphore(args.connect_concurrency)
    readies = [asyncio.Event() for _ in room_ids]
    breaks = Breaks(len(room_ids))
    tasks = [
        asyncio.create_task(
            watch(f"ws://{HOST}:{port}/ws/rooms/{room_id}/", base, key, ready, gate, breaks)
        )
        for room_id, key, ready in zip(room_ids, session_keys, readies, strict=True)
    ]
    began = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), timeout=120)
    connected = time.perf_counter() - began
    deadline = timezone.now() + timedelta(seconds=args.lead)
    started = deadline - timedelta(minutes=1)
    await asyncio.to_thread(
        lambda: Timer.objects.filter(room_id__in=room_ids).update(
            status="running", ends_at=deadline, phase_started_at=started, version=1
        )
    )
    # What a class's starts through the services would do: wake the scheduler, which then
    # sleeps until this deadline (it is not told the deadline, it reads it).
    await get_channel_layer().group_send(SCHEDULER_GROUP, {"type": "scheduler.wake"})
    arrivals = await asyncio.wait_for(asyncio.gather(*tasks), timeout=args.lead + 60)
    delays = [at - deadline.timestamp() for at in arrivals]
    return [
        f"connect    {len(room_ids)} sockets, one per room, in {connected:.2f} s",
        f"due        {len(delays)}/{len(room_ids)} rooms pushed their break; "
        f"deadline->frame {spread(delays)}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rooms", type=int, default=1000)
    parser.add_argument("--lead", type=float, default=4.0, help="seconds to the deadline (4)")
    parser.add_argument("--connect-concurrency", type=int, default=200)
    args = parser.parse_args()
    raise_open_file_limit(2 * args.rooms + 256)
    check_migrated()
    room_ids, session_keys, user_ids = make_rooms(args.rooms)
    connection.close()
    # A sync of every running room each second (10 s by default): the scheduler must keep
    # it out of the deadline's way.
    os.environ["TIMER_SYNC_SECONDS"] = "1"
    server = Server("daphne", free_port(), workers=True)
    lines = [f"config     db={connection.vendor} rooms={args.rooms} cpus={os.cpu_count()}"]
    try:
        server.wait_until_up()
        lines += asyncio.run(run(args, room_ids, session_keys, server.url))
        time.sleep(1)
        rows = SessionHistory.objects.filter(room_id__in=room_ids)
        per_room = set(rows.values_list("room_id", flat=True))
        lines.append(
            f"recorded   {rows.count()} history rows for {len(room_ids)} transitions "
            f"({len(per_room)} rooms with a row; exactly once: {rows.count() == len(room_ids)})"
        )
    except BaseException:
        print("\n".join(lines), file=sys.stderr)
        print(f"--- server log ({server.log_path}) ---\n{server.log_tail()}", file=sys.stderr)
        raise
    finally:
        server.stop()
        delete_rooms(room_ids, user_ids)
    print("```")
    print("\n".join(lines))
    print("```")


if __name__ == "__main__":
    main()
