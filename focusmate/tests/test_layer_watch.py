"""After a channel-layer outage, every open socket of the process resyncs its page."""

from __future__ import annotations

import asyncio

import pytest

from focusmate.lib import sockets

pytestmark = pytest.mark.anyio


class FlakyLayer:
    """A layer whose pings fail while `down` is set."""

    def __init__(self):
        self.down = False
        self.queue: asyncio.Queue = asyncio.Queue()

    async def new_channel(self, prefix=""):
        return prefix + "x"

    async def send(self, channel, message):
        if self.down:
            raise ConnectionError("redis is down")
        await self.queue.put(message)

    async def receive(self, channel):
        return await self.queue.get()


class Page(sockets.AccessControlled):
    def __init__(self):
        self.resyncs = 0

    async def resync(self):
        self.resyncs += 1


async def test_sockets_resync_once_when_the_layer_comes_back(monkeypatch):
    layer, page = FlakyLayer(), Page()
    monkeypatch.setattr(sockets, "_live", {page})
    watch = asyncio.create_task(sockets.watch_layer(layer, every=0.02))
    try:
        await asyncio.sleep(0.1)
        assert page.resyncs == 0  # healthy all along: nothing to do
        layer.down = True
        await asyncio.sleep(0.1)
        assert page.resyncs == 0
        layer.down = False
        await asyncio.sleep(0.15)
    finally:
        watch.cancel()

    assert page.resyncs == 1


class PubSubLikeLayer(FlakyLayer):
    """Like channels_redis's pub/sub layer: a message reaches a channel only while a
    receive is pending on it, and a receive that is cancelled unsubscribes."""

    def __init__(self):
        super().__init__()
        self.subscribed = False

    async def send(self, channel, message):
        if self.down:
            raise ConnectionError("redis is down")
        if self.subscribed:
            await self.queue.put(message)

    async def receive(self, channel):
        self.subscribed = True
        try:
            return await self.queue.get()
        except asyncio.CancelledError:
            self.subscribed = False
            raise


async def test_the_watcher_keeps_its_subscription_through_an_outage(monkeypatch):
    layer, page = PubSubLikeLayer(), Page()
    monkeypatch.setattr(sockets, "_live", {page})
    watch = asyncio.create_task(sockets.watch_layer(layer, every=0.02))
    try:
        layer.down = True
        await asyncio.sleep(0.15)  # pings fail for several rounds
        layer.down = False
        await asyncio.sleep(0.2)
    finally:
        watch.cancel()

    assert page.resyncs == 1


class SlowLayer(FlakyLayer):
    """A layer that works but answers late while `slow` is set (a busy process)."""

    slow = False

    async def receive(self, channel):
        message = await self.queue.get()
        if self.slow:
            await asyncio.sleep(0.05)
        return message


async def test_a_few_late_pings_are_not_an_outage(monkeypatch):
    layer, page = SlowLayer(), Page()
    monkeypatch.setattr(sockets, "_live", {page})
    watch = asyncio.create_task(sockets.watch_layer(layer, every=0.02))
    try:
        layer.slow = True
        await asyncio.sleep(0.12)  # two or three late pings, fewer than an outage needs
        layer.slow = False
        await asyncio.sleep(0.15)
    finally:
        watch.cancel()

    assert page.resyncs == 0
