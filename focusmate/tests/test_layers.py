"""The pipelined Redis pub/sub layer, against a real Redis (REDIS_URL, or the local one)."""

from __future__ import annotations

import asyncio
import os
import secrets
import sys

import pytest
import redis
from asgiref.sync import sync_to_async
from channels.layers import channel_layers

from focusmate.lib import broadcast
from focusmate.lib.layers import PipelinedRedisPubSubChannelLayer


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        reason = f"PIPELINED LAYER TESTS SKIPPED: no Redis at {url} ({error})."
        if os.environ.get("FOCUSMATE_REQUIRE_E2E"):
            pytest.fail(reason)
        print(f"\n*** {reason} ***", file=sys.stderr)
        pytest.skip(reason)
    return url


@pytest.fixture
def layer(redis_url, settings):
    """The site's layer as configured with REDIS_URL, on a prefix of its own."""
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "focusmate.lib.layers.PipelinedRedisPubSubChannelLayer",
            "CONFIG": {"hosts": [redis_url], "prefix": f"test{secrets.token_hex(4)}"},
        }
    }
    channel_layers.backends.clear()
    yield channel_layers["default"]
    channel_layers.backends.clear()


async def _listener(layer, *groups: str) -> str:
    channel = await layer.new_channel()
    for group in groups:
        await layer.group_add(group, channel)
    return channel


async def _received(layer, channel: str, count: int) -> list[dict]:
    return [await asyncio.wait_for(layer.receive(channel), timeout=5) for _ in range(count)]


@pytest.mark.anyio
async def test_group_send_many_reaches_each_group_in_order(layer):
    assert isinstance(layer, PipelinedRedisPubSubChannelLayer)
    in_one = await _listener(layer, "room.1")
    in_both = await _listener(layer, "room.1", "room.2")
    elsewhere = await _listener(layer, "room.3")

    await layer.group_send_many(
        [
            ("room.1", {"type": "timer.changed", "html": "a"}),
            ("room.2", {"type": "timer.changed", "html": "b"}),
            ("room.1", {"type": "timer.changed", "html": "c"}),
        ]
    )

    assert [m["html"] for m in await _received(layer, in_one, 2)] == ["a", "c"]
    assert [m["html"] for m in await _received(layer, in_both, 3)] == ["a", "b", "c"]
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(layer.receive(elsewhere), timeout=0.3)
    await layer.flush()


@pytest.mark.anyio
async def test_a_batch_of_broadcasts_is_one_pipeline_not_one_send_each(layer, monkeypatch):
    async def one_by_one(*args, **kwargs):
        raise AssertionError("a batched broadcast sent a group message on its own")

    listeners = [await _listener(layer, f"room.{n}") for n in range(50)]
    monkeypatch.setattr(type(layer), "group_send", one_by_one, raising=False)

    def push_all() -> None:
        with broadcast.batched():
            for n in range(50):
                broadcast.send_now(f"room.{n}", broadcast.message("timer.changed", html=str(n)))

    await sync_to_async(push_all, thread_sensitive=False)()

    for n, channel in enumerate(listeners):
        assert (await _received(layer, channel, 1))[0]["html"] == str(n)
    await layer.flush()


def test_a_batch_goes_out_size_at_a_time_and_the_rest_at_its_end(monkeypatch):
    sent: list[list[str]] = []
    monkeypatch.setattr(
        broadcast, "_send_all", lambda messages: sent.append([g for g, _ in messages])
    )

    with broadcast.batched(size=2):
        for n in range(5):
            broadcast.send_now(f"room.{n}", broadcast.message("timer.changed"))
            if n == 2:
                assert sent == [["room.0", "room.1"]]  # on their way before the block ends
        with broadcast.batched(size=100):  # joins the outer batch, with its size
            broadcast.send_now("room.5", broadcast.message("timer.changed"))

    assert sent == [["room.0", "room.1"], ["room.2", "room.3"], ["room.4", "room.5"]]
