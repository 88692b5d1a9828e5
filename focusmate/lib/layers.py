"""The in-memory channel layer for one process (`make run`), made to scale to a crowd.

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
"""

from __future__ import annotations

import asyncio
import contextlib
import time

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer

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
