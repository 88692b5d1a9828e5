"""The channel layers, made to scale to a crowd: in memory for one process (`make run`),
and Redis pub/sub, sending in batches, for several.

Two costs of Channels' InMemoryChannelLayer grew with the number of sockets (measured
with py-spy on 1000 sockets in one room):
- it deep-copies every message for every channel it reaches, so a push to a room of a
  thousand copied its HTML a thousand times. Here a group message is built once by its
  sender and never changed by a receiver (consumers only read it), so each channel gets
  its own shallow dict around the same immutable values;
- every `receive` scanned every channel and every group for expired entries, so each of
  a thousand sockets' receives walked a thousand channels. Here the scan runs at most
  once a second; expiry is measured in minutes, so nothing expires later that matters;
- `group_send` made a task per channel and awaited them through `as_completed`: 100 ms
  for a room of 1000 before the first socket heard anything (a Start's push, timed in
  the server). A send to a channel never waits (a full channel is an error), so here the
  messages go straight into the queues, in a few milliseconds.

What SharedMessageInMemoryChannelLayer buys over Channels' InMemoryChannelLayer, median
of 3 runs each, off and on alternately (2026-12-07, `make run`'s defaults, 500 sockets in
one room, on a 2-core machine loaded to 9-14 by other work): a Start pushed to all of
them, p50 2074 -> 622 ms and p99 2138 -> 683 ms; the room list under that load 5.2 ->
7.9 req/s (docs/performance.md, "What the kit buys"). Shown by:

    .venv/bin/python bench/kit.py memory_layer storm

PipelinedRedisPubSubChannelLayer (below) is measured in its own docstring.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer
from channels_redis.pubsub import (
    RedisPubSubChannelLayer,
    RedisPubSubLoopLayer,
    RedisSingleShardConnection,
)
from channels_redis.utils import _wrap_close
from redis.asyncio.client import PubSub

logger = logging.getLogger(__name__)

CLEAN_EVERY_SECONDS = 1.0


class SharedMessageInMemoryChannelLayer(InMemoryChannelLayer):
    _cleaned_at = 0.0

    def _clean_expired(self):
        now = time.monotonic()
        if now - self._cleaned_at >= CLEAN_EVERY_SECONDS:
            self._cleaned_at = now
            super()._clean_expired()

    async def send(self, channel, message):
        assert isinstance(message, dict), "message is not a dict"
        self.require_valid_channel_name(channel)
        assert "__asgi_channel__" not in message
        queue = self.channels.setdefault(channel, asyncio.Queue(maxsize=self.get_capacity(channel)))
        try:
            queue.put_nowait((time.time() + self.expiry, dict(message)))
        except asyncio.queues.QueueFull:
            raise ChannelFull(channel) from None

    async def group_send(self, group, message):
        assert isinstance(message, dict), "message is not a dict"
        self.require_valid_group_name(group)
        self._clean_expired()
        for channel in list(self.groups.get(group, ())):
            # A full channel misses this message, as in Channels; send never suspends.
            with contextlib.suppress(ChannelFull):
                await self.send(channel, message)


# Called (on the event loop) each time a process's subscriptions are back after their
# connection to Redis was lost: whatever was published meanwhile never reached it.
# focusmate.lib.sockets registers the resync of every open socket of the process.
resubscribed_listeners: list[Callable[[], Awaitable[None]]] = []
RECEIVE_RETRY_SECONDS = 0.1
_pending: set[asyncio.Task] = set()


class _ReconnectNoticingPubSub(PubSub):
    async def on_connect(self, connection) -> None:
        # Channels to subscribe again means this is a reconnection, not the first connect.
        again = bool(self.channels or self.patterns)
        await super().on_connect(connection)
        if again:
            logger.warning("channel layer: subscriptions back after a lost connection")
            loop = asyncio.get_running_loop()
            for listener in list(resubscribed_listeners):
                # Not awaited here: this runs inside the receiving loop, which the
                # listener's own sends and receives need.
                task = loop.create_task(listener(), name="channel-layer-resubscribed")
                _pending.add(task)
                task.add_done_callback(_pending.discard)


class _ReconnectNoticingShard(RedisSingleShardConnection):
    """channels_redis's connection to one Redis, telling `resubscribed_listeners` when its
    subscriptions are restored, and trying again every 0.1 s while Redis is away.

    channels_redis's receiving loop logs a traceback and sleeps a whole second after each
    failure, so a process could stay deaf for a second after Redis was back, and nobody
    learnt that pushes had been lost meanwhile.
    """

    def _ensure_redis(self) -> None:
        if self._redis is None:
            super()._ensure_redis()
            self._pubsub = _ReconnectNoticingPubSub(self._redis.connection_pool)

    async def _do_receiving(self) -> None:
        failing = False
        while True:
            try:
                if self._pubsub and self._pubsub.subscribed:
                    message = await self._pubsub.get_message(
                        ignore_subscribe_messages=True, timeout=0.1
                    )
                    self._receive_message(message)
                    failing = False
                else:
                    await asyncio.sleep(0.1)
            except (asyncio.CancelledError, TimeoutError, GeneratorExit):
                raise
            except Exception as error:
                if not failing:
                    logger.warning("channel layer: subscriptions lost (%r); retrying", error)
                failing = True
                await asyncio.sleep(RECEIVE_RETRY_SECONDS)


class _ReconnectNoticingLoopLayer(RedisPubSubLoopLayer):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._shards = [_ReconnectNoticingShard(shard.host, self) for shard in self._shards]


class ReconnectingPubSubChannelLayer(RedisPubSubChannelLayer):
    """channels_redis's pub/sub layer, telling `resubscribed_listeners` when its
    subscriptions are back after a lost connection, and leaving nothing behind when
    Redis refuses a new channel. (Not a speed piece: what a fault needs.)"""

    def _get_layer(self) -> RedisPubSubLoopLayer:
        """channels_redis's, with shards that notice a reconnection (above)."""
        loop = asyncio.get_running_loop()
        layer = self._layers.get(loop)
        if layer is None:
            layer = _ReconnectNoticingLoopLayer(*self._args, **self._kwargs, channel_layer=self)
            self._layers[loop] = layer
            _wrap_close(self, loop)
        return layer

    async def new_channel(self, prefix: str = "specific.") -> str:
        """channels_redis's new_channel, leaving nothing behind when Redis refuses it.

        It registers the channel's queue before subscribing, and nothing removes the
        queue when the subscription fails: every socket refused during an outage would
        leave one behind for the process's life.
        """
        layer = self._get_layer()
        channel = f"{layer.prefix}{prefix}{uuid.uuid4().hex}"
        try:
            await layer._subscribe_to_channel(channel)
        except BaseException:
            layer.channels.pop(channel, None)
            raise
        return channel


class PipelinedRedisPubSubChannelLayer(ReconnectingPubSubChannelLayer):
    """The pub/sub layer above, with many group sends made as one pipeline (the default).

    Its `group_send` publishes under the shard's lock and waits for Redis's answer before
    the next may go: a scheduler pass pushing a thousand rooms spent about 0.6 s of the
    server's event loop on a thousand round trips (py-spy, bench/timers_due.py).
    `group_send_many` takes the same lock once and sends every PUBLISH in one write.
    It leans on the shard's `_lock`, `_ensure_redis` and `_redis` (channels_redis 4.3);
    focusmate/tests/test_layers.py runs it against a real Redis.

    What it replaces: channels_redis's `group_send`, one round trip per group, for the
    batches of focusmate.lib.broadcast. What it buys, median of 3 runs each, off and on
    alternately (2026-12-07, PostgreSQL + Redis, 300 rooms due in the same second, on a
    2-core machine loaded to 15-18 by other work): deadline to frame p50 5.1 s -> 2.1 s,
    p99 6.9 s -> 2.6 s. Shown by:

        DATABASE_URL=postgres://... REDIS_URL=redis://... \\
            .venv/bin/python bench/kit.py pipeline due
    """

    async def group_send_many(self, messages: list[tuple[str, dict]]) -> None:
        layer = self._get_layer()
        by_shard: dict[object, list[tuple[str, bytes]]] = {}
        for group, payload in messages:
            channel = layer._get_group_channel_name(group)
            by_shard.setdefault(layer._get_shard(channel), []).append(
                (channel, self.serialize(payload))
            )
        for shard, publishes in by_shard.items():
            async with shard._lock:
                shard._ensure_redis()
                pipe = shard._redis.pipeline(transaction=False)
                for channel, data in publishes:
                    pipe.publish(channel, data)
                await pipe.execute()
