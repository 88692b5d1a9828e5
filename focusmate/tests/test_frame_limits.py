"""A frame of any size gets an answer from the real server, never a bare drop (1006).

Against `manage.py serve` (Daphne) with the `websockets` client, because the server's
own frame limit is what used to drop the connection: a frame the app reads gets the
toast and the socket stays; a bigger one gets a close 1009 ("message too big") with a
reason.
"""

from __future__ import annotations

import json
import re
import time

import pytest
from django.conf import settings
from django.test import Client
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from focusmate.management.commands.serve import WEBSOCKET_MAX_FRAME_BYTES

pytestmark = pytest.mark.django_db(transaction=True)

TOO_LARGE = "That message is too large."


def _socket(site, room, user):
    client = Client()
    client.force_login(user)
    return connect(
        f"ws://127.0.0.1:{site.port}/ws/rooms/{room.pk}/",
        additional_headers={
            "Cookie": f"{settings.SESSION_COOKIE_NAME}="
            f"{client.cookies[settings.SESSION_COOKIE_NAME].value}",
            "Origin": site.url,
        },
        open_timeout=10,
        close_timeout=5,
    )


def _answer(socket, wanted: str, seconds: float = 10) -> str | int:
    """The first frame containing `wanted`, or the close code the server sent."""
    deadline = time.monotonic() + seconds
    try:
        while True:
            frame = socket.recv(timeout=max(0.05, deadline - time.monotonic()))
            if wanted in frame:
                return frame
    except ConnectionClosed as closed:
        assert closed.rcvd is not None, "dropped with no close frame (1006)"
        assert closed.rcvd.reason, "closed with no reason"
        return closed.rcvd.code


@pytest.fixture
def site(live_site):
    return live_site


@pytest.mark.parametrize(
    ("frame", "answer"),
    [
        (json.dumps({"intention": "y" * 60_000}), TOO_LARGE),
        # The heaviest frame the app reads: its limit in characters, 4-byte ones
        # (65,485 bytes); the form then finds the intention too long.
        (json.dumps({"intention": "😀" * 16_367}, ensure_ascii=False), "140 characters"),
        (json.dumps({"action": "a" * 100_000}), 1009),
        (json.dumps({"intention": "y" * 2**20}), 1009),
        ("[" * 50_000 + "]" * 50_000, 1009),
    ],
    ids=["60KB", "64KiB-of-emoji", "100KB", "1MiB", "100kB-brackets"],
)
def test_a_large_frame_gets_the_toast_or_a_1009_close(site, room, bob, frame, answer):
    with _socket(site, room, bob) as socket:
        _answer(socket, 'id="timer"')  # the snapshot: the socket is in

        socket.send(frame)
        got = _answer(socket, "toast-error")

        if answer == 1009:
            assert got == 1009
            return
        assert isinstance(got, str) and answer in got
        # The socket is still in use.
        socket.send(json.dumps({"action": "start"}))
        assert re.search(r'data-status="running"', _answer(socket, 'data-status="running"'))


def test_the_servers_limit_lets_every_frame_the_app_reads_through():
    from focusmate.lib.frames import MAX_FRAME_CHARACTERS

    assert WEBSOCKET_MAX_FRAME_BYTES >= 4 * MAX_FRAME_CHARACTERS
