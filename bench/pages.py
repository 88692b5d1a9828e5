"""The pages' read speed with wrk: the room list (20 rooms) and a room's timer partial,
as a logged-in member, on one server process or several (`serve --workers N`).

    make migrate && .venv/bin/python bench/pages.py                     # make run's defaults
    DATABASE_URL=postgres://... REDIS_URL=redis://... .venv/bin/python bench/pages.py --processes 2

wrk (Debian's) is the client, `-t1 -c32 -d10s` unless told otherwise: one C thread, so
the client is never what limits the figure. Beside the pages it measures the floors, on
the same machine in the same run: Daphne answering with no Django at all
(bench/hello_asgi.py), WhiteNoise's static file and `/health` (Django's cheapest answer).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from django.conf import settings
from django.db import connection
from harness import Server, check_migrated, delete_rooms, free_port, users_with_sessions

from rooms.models import Participant, Room
from timers.models import Timer


def create_rooms(count: int) -> tuple[list[int], list[int], str]:
    """`count` public rooms, each with its owner present; the first owner's session key."""
    _, users, sessions = users_with_sessions(count)
    rooms = [Room.objects.create(name=f"HTTP bench {n}", owner=u) for n, u in enumerate(users)]
    Timer.objects.bulk_create(Timer(room=room) for room in rooms)
    Participant.objects.bulk_create(
        Participant(room=room, user=room.owner, joined_at=room.created_at, joined_seq=1)
        for room in rooms
    )
    return [room.pk for room in rooms], [user.pk for user in users], sessions[0].session_key


def wrk(url: str, cookie: str, *, duration: str, connections: int) -> tuple[float, str, str]:
    """(requests per second, p50, p99) as wrk prints them; stops on any error answer."""
    output = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{duration}", "--latency", "-H", cookie, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if "Non-2xx" in output or "Socket errors" in output:
        sys.exit(f"wrk saw errors:\n{output}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    return (
        rate,
        re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1),
        re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1),
    )


def daphne_alone(*, duration: str, connections: int) -> tuple[float, str, str]:
    """wrk against Daphne serving bench/hello_asgi.py: the server's own cost per request."""
    port = free_port()
    daphne = Path(sys.executable).with_name("daphne")
    server = subprocess.Popen(
        [str(daphne), "-b", "127.0.0.1", "-p", str(port), "hello_asgi:app"],
        cwd=Path(__file__).resolve().parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}/"
        for _ in range(100):
            try:
                urllib.request.urlopen(url, timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        return wrk(url, "X-Bench: floor", duration=duration, connections=connections)
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, default=1, help="serve --workers N (1)")
    parser.add_argument("--duration", default="10s")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--no-floors", action="store_true", help="the pages only (bench/kit.py compares runs)"
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("This needs wrk (Debian: apt-get install wrk).")
    check_migrated()
    room_ids, user_ids, session_key = create_rooms(20)
    connection.close()
    server = Server("daphne", free_port(), workers=True, processes=args.processes)
    cookie = f"Cookie: {settings.SESSION_COOKIE_NAME}={session_key}"
    try:
        server.wait_until_up()
        targets = {
            "GET /rooms/ (20 rooms)": f"{server.url}/rooms/",
            "GET /rooms/<id>/timer/": f"{server.url}/rooms/{room_ids[0]}/timer/",
            "GET /health (floor)": f"{server.url}/health",
            "GET a static file (floor)": f"{server.url}/static/css/site.css",
        }
        if args.no_floors:
            del targets["GET /health (floor)"], targets["GET a static file (floor)"]
        for url in targets.values():  # warm up: imports, connections, templates
            request = urllib.request.Request(url, headers=dict([cookie.split(": ", 1)]))
            with urllib.request.urlopen(request, timeout=10) as response:
                assert response.status == 200, url
        print("```")
        print(
            f"wrk -t1 -c{args.connections} -d{args.duration}; {args.processes} server "
            f"process(es); db={connection.vendor}; debug={settings.DEBUG}"
        )
        for name, url in targets.items():
            rate, p50, p99 = wrk(url, cookie, duration=args.duration, connections=args.connections)
            print(f"{name:26} {rate:8.0f} req/s   p50 {p50:>8}   p99 {p99:>8}")
        server.stop()
        if not args.no_floors:
            rate, p50, p99 = daphne_alone(duration=args.duration, connections=args.connections)
            name = "Daphne, no Django (floor)"
            print(f"{name:26} {rate:8.0f} req/s   p50 {p50:>8}   p99 {p99:>8}")
        print("```")
    finally:
        server.stop()
        delete_rooms(room_ids, user_ids)


if __name__ == "__main__":
    main()
