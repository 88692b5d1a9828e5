"""The channel layers, made to scale to a crowd: in memory for one process (`make run`),
and Redis pub/sub for several.

Two costs of Channels' InMemoryChannelLayer grew with the number of sockets (measured
with py-spy on 1000 sockets in one room):
- it deep-copies every message for every channel it reaches, so a push to a room of a
  thousand copied its HTML a thousand times. Here a group message is built once by its
  sender and never changed by a receiver (consumers only read it), so each channel gets
  its own shallow dict around the same immutable values;
- every `receive` scanned every channel and every group for expired entries, so each of
  a thousand sockets' receives walked a thousand channels. Here the scan runs at most
  once a second; expiry is measured in minutes, so nothing expires later that matters.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer
from channels_redis.pubsub import RedisPubSubChannelLayer

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


class SharedMessagePubSubChannelLayer(RedisPubSubChannelLayer):
    """channels_redis's pub/sub layer, decoding each message from Redis once per process.

    A message published to a group arrives from Redis once and is queued, as the same
    bytes, for every channel of this process in the group; channels_redis then decoded
    it again in each channel's `receive` (a push to 1000 sockets decoded it 1000 times:
    7% of the event loop's CPU while a crowd connected, py-spy). The last few decodings
    are kept by the identity of those bytes (kept alive here, so an identity is never
    reused), and each receiver gets its own shallow dict around the same immutable
    values, as in SharedMessageInMemoryChannelLayer above.
    """

    KEEP_DECODED = 8

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._decoded: deque[tuple[bytes, dict]] = deque(maxlen=self.KEEP_DECODED)

    def deserialize(self, message: bytes) -> dict:
        for raw, decoded in self._decoded:
            if raw is message:
                return dict(decoded)
        decoded = super().deserialize(message)
        self._decoded.append((message, decoded))
        return dict(decoded)
