"""The in-memory channel layer for one process (`make run`), without a copy per recipient.

Channels' InMemoryChannelLayer deep-copies every message for every channel it reaches,
so a push to a room of a thousand copied its HTML a thousand times (a fifth of a
crowded room's server time, measured with py-spy). Here a group message is built once
by its sender and never changed by a receiver (consumers only read it), so each
channel gets its own shallow dict around the same immutable values.
"""

from __future__ import annotations

import asyncio
import time

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer


class SharedMessageInMemoryChannelLayer(InMemoryChannelLayer):
    async def send(self, channel, message):
        assert isinstance(message, dict), "message is not a dict"
        self.require_valid_channel_name(channel)
        assert "__asgi_channel__" not in message
        queue = self.channels.setdefault(channel, asyncio.Queue(maxsize=self.get_capacity(channel)))
        try:
            queue.put_nowait((time.time() + self.expiry, dict(message)))
        except asyncio.queues.QueueFull:
            raise ChannelFull(channel) from None
