"""Helpers for the camera strip's socket tests."""

from __future__ import annotations

import asyncio
import html
import json

from channels.db import database_sync_to_async

from rooms.tests.test_consumers import _communicator, _cookie_for, _receive_timer


async def open_socket(room, user):
    """A room socket of `user`, its snapshot read; the caller disconnects it."""
    cookie = await database_sync_to_async(_cookie_for)(user)
    communicator = _communicator(room, cookie)
    connected, code = await communicator.connect()
    assert connected, code
    await _receive_timer(communicator)
    return communicator


async def next_video(communicator, kind: str | None = None, timeout: float = 3) -> dict:
    """The next camera-strip message (of `kind`), skipping the room's HTML pushes."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        frame = await communicator.receive_from(timeout=max(0.01, deadline - loop.time()))
        if frame.startswith("{"):
            message = json.loads(frame)
            if kind is None or message.get("video") == kind:
                return message


async def next_toast(communicator, timeout: float = 3) -> str:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        frame = await communicator.receive_from(timeout=max(0.01, deadline - loop.time()))
        if "toast" in frame:
            return html.unescape(frame)


async def hear_no_video(communicator, quiet: float = 0.5) -> list[dict]:
    """The camera-strip messages that arrive within `quiet` seconds (HTML is skipped)."""
    heard = []
    while not await communicator.receive_nothing(timeout=quiet):
        frame = await communicator.receive_from()
        if frame.startswith("{"):
            heard.append(json.loads(frame))
    return heard


async def hello(communicator, peer: str) -> dict:
    await communicator.send_json_to({"video": "hello", "peer": peer})
    return await next_video(communicator, "welcome")


def offer(to_user: int, to_peer: str, sdp: str = "v=0 fake offer") -> dict:
    return {
        "video": "offer",
        "to_user": to_user,
        "to_peer": to_peer,
        "cam": "recipient",
        "sdp": sdp,
    }
