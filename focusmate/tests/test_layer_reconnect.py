"""Redis restarted under the pub/sub layer: the process learns at once that its
subscriptions are back (whatever was published meanwhile is lost, so every page must
resync), and pushes flow again. Against a throw-away redis-server of its own."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import time

import pytest

from focusmate.lib import layers
from focusmate.lib.layers import PipelinedRedisPubSubChannelLayer

pytestmark = pytest.mark.anyio

NEEDS = "LAYER RECONNECT TEST SKIPPED: no redis-server on PATH to start and stop"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    def __init__(self) -> None:
        self.port = _free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server"),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.02)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=5)


@pytest.fixture
def private_redis():
    if shutil.which("redis-server") is None:
        if os.environ.get("FOCUSMATE_REQUIRE_E2E"):
            pytest.fail(NEEDS)
        print(f"\n*** {NEEDS} ***", file=sys.stderr)
        pytest.skip(reason=NEEDS)
    server = PrivateRedis()
    server.start()
    yield server
    server.stop()


async def test_the_layer_says_when_its_subscriptions_are_back_and_pushes_flow_again(
    private_redis, monkeypatch
):
    layer = PipelinedRedisPubSubChannelLayer(
        hosts=[f"redis://127.0.0.1:{private_redis.port}/0"], prefix="reconnect"
    )
    back = asyncio.Event()

    async def resubscribed() -> None:
        back.set()

    monkeypatch.setattr(layers, "resubscribed_listeners", [resubscribed])
    channel = await layer.new_channel()
    await layer.group_add("room.1", channel)
    await layer.group_send("room.1", {"type": "before"})
    assert (await asyncio.wait_for(layer.receive(channel), 2))["type"] == "before"

    private_redis.stop()
    await asyncio.sleep(0.5)  # the layer notices its connection is gone
    assert not back.is_set()
    private_redis.start()
    returned = time.monotonic()

    await asyncio.wait_for(back.wait(), timeout=3)
    noticed = time.monotonic() - returned
    await layer.group_send("room.1", {"type": "after"})
    received = await asyncio.wait_for(layer.receive(channel), 2)
    await layer.flush()

    assert noticed < 0.5, f"the layer noticed {noticed:.2f} s after Redis returned"
    assert received["type"] == "after"
