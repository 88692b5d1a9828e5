"""Soak: many rooms cycling their phases for a long while, watched for leaks and slips.

    DATABASE_URL=... REDIS_URL=... .venv/bin/python bench/soak.py \\
        --rooms 200 --members 5 --minutes 10

It makes N rooms of M members (throw-away users with sessions), every phase one minute
long and starting by itself, starts the real server (Daphne with its in-process
scheduler) on a free port, opens one socket per member and sets every timer running.
Then it watches for --minutes: the server's resident memory (RSS, every process of it)
after the first minute, once a minute after that (to see whether it levels off) and at
the end, sockets that close or fail, error lines in the
server's log, and at the end whether every completed phase was recorded exactly once
for every member (rows = members x completed phases, room by room). Everything it made
is deleted afterwards.
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
from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.utils import timezone
from harness import (
    HOST,
    Server,
    check_migrated,
    delete_rooms,
    free_port,
    raise_open_file_limit,
    users_with_sessions,
)

from rooms.models import Participant, Room
from stats.models import SessionHistory
from timers.models import Timer


def make_rooms(rooms: int, members: int) -> tuple[list[int], list[tuple[int, str]], list[int]]:
    tag, users, sessions = users_with_sessions(rooms * members)
    owners = users[::members]
    Room.objects.bulk_create(
        Room(
            name=f"Soak {tag} {i}",
            owner=owner,
            is_public=False,
            work_minutes=1,
            short_break_minutes=1,
            long_break_minutes=1,
            auto_start_breaks=True,
            auto_start_work=True,
        )
        for i, owner in enumerate(owners)
    )
    made = list(Room.objects.filter(name__startswith=f"Soak {tag} ").order_by("pk"))
    Timer.objects.bulk_create(Timer(room=room) for room in made)
    now = timezone.now()
    Participant.objects.bulk_create(
        Participant(room=room, user=users[i * members + j], joined_at=now, joined_seq=1)
        for i, room in enumerate(made)
        for j in range(members)
    )
    sockets = [(made[i // members].pk, session.session_key) for i, session in enumerate(sessions)]
    return [room.pk for room in made], sockets, [user.pk for user in users]


def server_rss_mib(root_pid: int) -> float:
    """The resident memory of the server and its children, from /proc."""
    pids = [root_pid]
    children = Path(f"/proc/{root_pid}/task/{root_pid}/children")
    if children.exists():
        pids += [int(pid) for pid in children.read_text().split()]
    total = 0
    for pid in pids:
        status = Path(f"/proc/{pid}/status")
        if status.exists():
            for line in status.read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total / 1024


class Tally:
    def __init__(self) -> None:
        self.frames = 0
        self.closed = 0
        self.failed = 0


async def member(url: str, origin: str, session_key: str, tally: Tally, until: float, gate):
    try:
        async with gate:
            socket = await websockets.connect(
                url,
                origin=origin,
                additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={session_key}"},
                open_timeout=120,
                ping_interval=None,
                max_size=None,
            )
    except Exception:
        tally.failed += 1
        return
    try:
        while time.monotonic() < until:
            try:
                await asyncio.wait_for(socket.recv(), timeout=max(0.1, until - time.monotonic()))
            except TimeoutError:
                break
            tally.frames += 1
    except websockets.ConnectionClosed:
        tally.closed += 1
    finally:
        await socket.close()


async def run(args, sockets, room_ids, server) -> list[str]:
    base = server.url
    port = base.rsplit(":", 1)[1]
    tally = Tally()
    gate = asyncio.Semaphore(200)
    until = time.monotonic() + args.minutes * 60
    tasks = [
        asyncio.create_task(
            member(f"ws://{HOST}:{port}/ws/rooms/{room_id}/", base, key, tally, until, gate)
        )
        for room_id, key in sockets
    ]
    await asyncio.sleep(5)  # the sockets open
    now = timezone.now()
    await asyncio.to_thread(
        lambda: Timer.objects.filter(room_id__in=room_ids).update(
            status="running",
            ends_at=now + timedelta(minutes=1),
            phase_started_at=now,
            version=1,
        )
    )
    await asyncio.sleep(60)
    rss_first = server_rss_mib(server.process.pid)
    # One reading a minute: a long run shows whether the memory levels off or keeps rising.
    trace = [rss_first]
    everyone = asyncio.gather(*tasks)
    while not everyone.done():
        await asyncio.wait([everyone], timeout=60)
        trace.append(server_rss_mib(server.process.pid))
    rss_last = trace[-1]
    growth = 100 * (rss_last - rss_first) / rss_first
    return [
        f"sockets    {len(sockets) - tally.failed}/{len(sockets)} opened; {tally.closed} closed "
        f"by the server; {tally.frames} frames received",
        f"memory     server RSS {rss_first:.0f} MiB after the first minute, {rss_last:.0f} MiB "
        f"after {args.minutes} min ({growth:+.1f}%)",
        "rss/min    " + " ".join(f"{mib:.0f}" for mib in trace),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rooms", type=int, default=200)
    parser.add_argument("--members", type=int, default=5)
    parser.add_argument("--minutes", type=float, default=10)
    args = parser.parse_args()
    raise_open_file_limit(2 * args.rooms * args.members + 256)
    check_migrated()
    room_ids, sockets, user_ids = make_rooms(args.rooms, args.members)
    connection.close()
    server = Server("daphne", free_port(), workers=True)
    lines = [
        f"config     db={connection.vendor} rooms={args.rooms} members={args.members} "
        f"minutes={args.minutes} cpus={os.cpu_count()}"
    ]
    try:
        server.wait_until_up()
        lines += asyncio.run(run(args, sockets, room_ids, server))
        time.sleep(2)
        completed = dict(Timer.objects.filter(room_id__in=room_ids).values_list("room_id", "seq"))
        rows = dict(
            SessionHistory.objects.filter(room_id__in=room_ids)
            .values("room_id")
            .annotate(n=Count("pk"))
            .values_list("room_id", "n")
        )
        wrong = [
            room for room in room_ids if rows.get(room, 0) != args.members * (completed[room] - 1)
        ]
        phases = sum(seq - 1 for seq in completed.values())
        errors = sum(
            1
            for line in server.log_path.read_text(errors="replace").splitlines()
            if "ERROR" in line
        )
        lines.append(
            f"recorded   {sum(rows.values())} history rows for {phases} completed phases x "
            f"{args.members} members; rooms with a missing or doubled row: {len(wrong)}"
        )
        lines.append(f"errors     {errors} error lines in the server's log")
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
