"""Camera signalling through a real server: 6 people in a room turn their cameras on at the
same moment; the time until every pair has exchanged its offer, answer and candidates.

    make migrate && .venv/bin/python bench/signalling.py [--people 6] [--rounds 5]

Each person is a socket that does what static/js/video.js does, without WebRTC: it says
hello, turns its camera on, offers to receive every other camera it is told of (with 4
candidates), and answers every offer for its own (with 4 candidates). A round ends when
each of the 30 connections has carried its offer, answer and 8 candidates, through the
server's access check on both people for every frame (video/signalling.py).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import time

import django
import websockets
from django.conf import settings
from django.db import connection
from harness import (
    Server,
    check_migrated,
    create_fixture,
    delete_fixture,
    free_port,
    ms,
    percentile,
)

CANDIDATES = 4


class Person:
    def __init__(self, index: int, user_id: int, session_key: str) -> None:
        self.index, self.user_id, self.session_key = index, user_id, session_key
        self.peer = f"bench-page-{index:04d}"
        self.ws = None
        self.welcome = asyncio.Event()
        self.offered: set[str] = set()
        self.heard = 0  # signalling frames received this round
        self.done = asyncio.Event()
        self.expected = 0

    async def send(self, **frame) -> None:
        await self.ws.send(json.dumps(frame))

    async def signal(self, kind: str, to: dict, cam: str, **extra) -> None:
        await self.send(video=kind, to_user=to["user"], to_peer=to["peer"], cam=cam, **extra)
        for n in range(CANDIDATES):
            await self.send(
                video="candidate",
                to_user=to["user"],
                to_peer=to["peer"],
                cam=cam,
                candidate=f"candidate:{n} 1 udp 1 10.0.0.{self.index} {9000 + n} typ host",
                mid="0",
                mline=0,
            )

    async def read(self) -> None:
        async for text in self.ws:
            if not text.startswith("{"):
                continue
            message = json.loads(text)
            kind = message.get("video")
            if kind == "welcome":
                self.welcome.set()
            elif kind == "cameras":
                for camera in message["cameras"]:
                    if camera["peer"] != self.peer and camera["peer"] not in self.offered:
                        self.offered.add(camera["peer"])
                        await self.signal("offer", camera, "recipient", sdp="v=0 bench offer")
            elif kind == "offer":
                self.heard += 1
                viewer = {"user": message["from_user"], "peer": message["from_peer"]}
                await self.signal("answer", viewer, "sender", sdp="v=0 bench answer")
            elif kind in ("answer", "candidate"):
                self.heard += 1
            if self.expected and self.heard >= self.expected:
                self.done.set()


async def one_round(base: str, fixture, people_count: int) -> float:
    origin = base
    url = base.replace("http", "ws") + f"/ws/rooms/{fixture.room_id}/"
    people = [
        Person(i, user_id, key)
        for i, (user_id, key) in enumerate(zip(fixture.user_ids, fixture.session_keys, strict=True))
    ][:people_count]
    readers = []
    for person in people:
        person.ws = await websockets.connect(
            url,
            origin=origin,
            additional_headers={"Cookie": f"sessionid={person.session_key}"},
            ping_interval=None,
        )
        readers.append(asyncio.create_task(person.read()))
        await person.send(video="hello", peer=person.peer)
    await asyncio.wait_for(asyncio.gather(*(p.welcome.wait() for p in people)), 30)
    # From each other person: an offer for my camera and an answer for theirs, each with
    # its candidates.
    for person in people:
        person.expected = (people_count - 1) * 2 * (1 + CANDIDATES)
    started = time.perf_counter()
    await asyncio.gather(*(person.send(video="camera", on=True) for person in people))
    await asyncio.wait_for(asyncio.gather(*(p.done.wait() for p in people)), 60)
    elapsed = time.perf_counter() - started
    for person in people:
        await person.send(video="camera", on=False)
        await person.ws.close()
    for reader in readers:
        reader.cancel()
    return elapsed


async def run(args: argparse.Namespace, fixture, base: str) -> list[str]:
    times = []
    for _ in range(args.rounds):
        times.append(await one_round(base, fixture, args.people))
        await asyncio.sleep(0.5)  # the closed sockets' cameras are gone
    frames = args.people * (args.people - 1) * 2 * (1 + CANDIDATES)
    return [
        f"signalling  {args.people} cameras at once, {frames} frames relayed per round, "
        f"{args.rounds} rounds: p50 {ms(percentile(times, 50))}, "
        f"max {ms(max(times))} (every pair's offer, answer and candidates delivered)"
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=6, help="cameras turned on at once (6)")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if not 2 <= args.people <= 6:
        parser.error("--people must be between 2 and 6 (the mesh's cap)")
    check_migrated()
    fixture = create_fixture(args.people)
    connection.close()
    server = Server("daphne", free_port(), workers=False)
    layer = settings.CHANNEL_LAYERS["default"]["BACKEND"].rsplit(".", 1)[-1]
    lines = [
        f"config      db={connection.vendor} layer={layer} python={platform.python_version()} "
        f"django={django.get_version()} cpus={os.cpu_count()}"
    ]
    try:
        server.wait_until_up()
        lines += asyncio.run(run(args, fixture, server.url))
    except BaseException:
        print(f"--- server log ({server.log_path}) ---\n{server.log_tail()}", file=sys.stderr)
        raise
    finally:
        server.stop()
        delete_fixture(fixture)
    print("```")
    print("\n".join(lines))
    print("```")


if __name__ == "__main__":
    main()
