"""The JSON API's read speed: `wrk -t1 -c32 -d10s` against GET /api/v1/rooms/ (20 rooms)
and GET /api/v1/timer/<room_id>, on `make run`'s defaults (one Daphne process with its
in-process workers; SQLite and the in-memory channel layer unless the environment says
otherwise), with a Bearer token.

    make migrate && .venv/bin/python bench/api.py [--duration 10s] [--connections 32]

The original FastAPI backend (one uvicorn worker, SQLite) served about 350-530 req/s on
its room list and 465-485 req/s on its timer state, p50 60-85 ms, on this kind of machine.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import urllib.request

from harness import Server, check_migrated, free_port, users_with_sessions
from pages import daphne_alone

from accounts.models import User
from api.models import ApiToken
from api.services import token_issue
from rooms.models import Participant, Room
from timers.models import Timer


def create_rooms(count: int) -> tuple[list[int], list[int], str]:
    """`count` public rooms, each with its owner present; returns (room ids, user ids,
    a token of the first owner)."""
    _, users, sessions = users_with_sessions(count)
    rooms = [Room.objects.create(name=f"API bench {n}", owner=user) for n, user in enumerate(users)]
    Timer.objects.bulk_create(Timer(room=room) for room in rooms)
    Participant.objects.bulk_create(
        Participant(room=room, user=room.owner, joined_at=room.created_at) for room in rooms
    )
    _, secret = token_issue(user=users[0])
    for session in sessions:
        session.delete()
    return [room.pk for room in rooms], [user.pk for user in users], secret


def delete_rooms(room_ids: list[int], user_ids: list[int]) -> None:
    Room.objects.filter(pk__in=room_ids).delete()
    ApiToken.objects.filter(user_id__in=user_ids).delete()
    User.objects.filter(pk__in=user_ids).delete()


def wrk(url: str, token: str, *, duration: str, connections: int) -> tuple[float, str]:
    """(requests per second, the median latency as wrk prints it)."""
    output = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{duration}",
            "--latency",
            "-H",
            f"Authorization: Bearer {token}",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if "Non-2xx" in output:
        sys.exit(f"wrk saw error answers:\n{output}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    median = re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE).group(1)
    return rate, median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", default="10s")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--no-floor", action="store_true", help="no Daphne-alone run (bench/kit.py compares runs)"
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("This needs wrk (Debian: apt-get install wrk).")
    check_migrated()
    room_ids, user_ids, token = create_rooms(20)
    server = Server("daphne", free_port(), workers=True)
    try:
        server.wait_until_up()
        targets = {
            # Not the API: the cheapest page of this server (one query), for scale.
            "GET /health (for scale)": f"{server.url}/health",
            "GET /api/v1/rooms/ (20 rooms)": f"{server.url}/api/v1/rooms/",
            "GET /api/v1/timer/<id>": f"{server.url}/api/v1/timer/{room_ids[0]}",
        }
        for url in targets.values():  # warm up: imports, the connection, templates
            request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
            with urllib.request.urlopen(request, timeout=10) as response:
                assert response.status == 200
        load = os.getloadavg()[0]
        print(
            f"wrk -t1 -c{args.connections} -d{args.duration}, one server process, load {load:.1f}"
        )
        for name, url in targets.items():
            rate, median = wrk(url, token, duration=args.duration, connections=args.connections)
            print(f"{name:32} {rate:8.0f} req/s   p50 {median}")
        server.stop()
        if not args.no_floor:
            rate, median, _ = daphne_alone(duration=args.duration, connections=args.connections)
            print(f"{'Daphne, no Django (floor)':32} {rate:8.0f} req/s   p50 {median}")
    finally:
        server.stop()
        delete_rooms(room_ids, user_ids)


if __name__ == "__main__":
    main()
