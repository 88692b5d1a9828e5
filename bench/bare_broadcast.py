"""The floor for a room's fan-out: a bare `websockets` broadcast with no Django at all.

Run as a server (`python bench/bare_broadcast.py serve PORT`), it accepts sockets; a
socket that sends "go" makes it send one frame of the given size to every socket it
holds, as one `websockets.broadcast` (the library's fast path, which writes the same
encoded frame to every socket without waiting), and "each" makes it await one `send`
per socket, as a server that awaits its sends does (Channels' consumers each await
theirs). `measure()` opens N sockets, sends "go", and
returns each socket's delay from just before the "go" to its frame: the same thing
bench/room_broadcast.py times for a Start press, without any framework.
"""

from __future__ import annotations

import asyncio
import sys
import time

import websockets

FRAME_BYTES = 1536  # about the size of a pushed timer


async def _serve(port: int) -> None:
    sockets: set = set()
    payload = "x" * FRAME_BYTES

    async def handler(socket) -> None:
        sockets.add(socket)
        try:
            async for text in socket:
                if text == "go":
                    websockets.broadcast(sockets - {socket}, payload)
                elif text == "each":
                    await asyncio.gather(*(s.send(payload) for s in sockets - {socket}))
        finally:
            sockets.discard(socket)

    async with websockets.serve(handler, "127.0.0.1", port, backlog=2048, max_size=None):
        await asyncio.Future()


async def measure(
    port: int, clients: int, *, connect_concurrency: int, trigger_word: str = "go"
) -> list[float]:
    gate = asyncio.Semaphore(connect_concurrency)
    url = f"ws://127.0.0.1:{port}/"

    async def open_one():
        async with gate:
            return await websockets.connect(url, open_timeout=60, ping_interval=None)

    sockets = await asyncio.gather(*(open_one() for _ in range(clients)))
    trigger = await websockets.connect(url, ping_interval=None)
    arrivals: list[float] = []

    async def read(socket) -> None:
        await socket.recv()
        arrivals.append(time.perf_counter())

    readers = [asyncio.create_task(read(socket)) for socket in sockets]
    await asyncio.sleep(0.5)  # every reader waiting
    t0 = time.perf_counter()
    await trigger.send(trigger_word)
    await asyncio.wait_for(asyncio.gather(*readers), timeout=60)
    for socket in (*sockets, trigger):
        socket.transport.abort()
    return [at - t0 for at in arrivals]


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "serve":
        asyncio.run(_serve(int(sys.argv[2])))
    else:
        sys.exit("usage: bare_broadcast.py serve PORT")
