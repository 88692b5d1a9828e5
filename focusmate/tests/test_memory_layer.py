"""The in-memory channel layer of `make run` (focusmate/lib/layers.py)."""

from __future__ import annotations

import asyncio

from focusmate.lib.layers import SharedMessageInMemoryChannelLayer


def waiting(layer, channel: str) -> int:
    """Messages queued for `channel` (the layer drops a channel's queue once read empty)."""
    queue = layer.channels.get(channel)
    return 0 if queue is None else queue.qsize()


def test_a_group_send_reaches_every_channel_once_each_with_its_own_dict():
    async def scene():
        layer = SharedMessageInMemoryChannelLayer()
        channels = [await layer.new_channel() for _ in range(50)]
        for channel in channels:
            await layer.group_add("room.1", channel)
        await layer.group_add("room.2", await layer.new_channel())
        html = "<div>same text for everyone</div>"
        await layer.group_send("room.1", {"type": "timer.changed", "html": html})
        received = [await layer.receive(channel) for channel in channels]
        nothing_more = [waiting(layer, channel) for channel in channels]
        other_room = [waiting(layer, channel) for channel in layer.groups["room.2"]]
        return received, nothing_more, other_room, html

    received, nothing_more, other_room, html = asyncio.run(scene())
    assert all(message == {"type": "timer.changed", "html": html} for message in received)
    assert len({id(message) for message in received}) == 50  # a consumer may change its own
    assert all(message["html"] is html for message in received)  # the text is not copied
    assert nothing_more == [0] * 50
    assert other_room == [0]


def test_a_full_channel_misses_the_message_and_the_others_still_get_it():
    async def scene():
        layer = SharedMessageInMemoryChannelLayer(capacity=1)
        slow, quick = await layer.new_channel(), await layer.new_channel()
        for channel in (slow, quick):
            await layer.group_add("room.1", channel)
        await layer.send(slow, {"type": "earlier"})  # slow hasn't read this one yet
        await layer.group_send("room.1", {"type": "timer.changed"})
        return await layer.receive(slow), waiting(layer, slow), await layer.receive(quick)

    slow_got, slow_left, quick_got = asyncio.run(scene())
    assert slow_got == {"type": "earlier"} and slow_left == 0
    assert quick_got == {"type": "timer.changed"}


def test_a_group_nobody_is_in_gets_nothing_and_no_error():
    async def scene():
        layer = SharedMessageInMemoryChannelLayer()
        await layer.group_send("room.9", {"type": "timer.changed"})
        return layer.channels

    assert asyncio.run(scene()) == {}
