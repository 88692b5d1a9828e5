"""A socket path no route matches is refused at the handshake, quietly: a client that
retries an unknown path (the original's /api/v1/notifications/ws) fills no log with
tracebacks."""

from __future__ import annotations

import logging

import pytest
from channels.testing import WebsocketCommunicator

from focusmate.asgi import application

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.anyio]

SITE_HEADERS = [(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/notifications/ws",
        "/api/v1/ws/not-a-room",
        "/api/v1/ws/",
        "/api/v2/ws/1",
        "/ws/nowhere/",
        "/",
    ],
)
async def test_an_unknown_socket_path_is_refused_without_a_traceback(debug, path, caplog):
    caplog.set_level(logging.INFO)
    communicator = WebsocketCommunicator(application, path, headers=SITE_HEADERS)
    try:
        connected, _ = await communicator.connect()
        assert connected is False
    finally:
        await communicator.disconnect()
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_a_known_path_still_routes(room, bob):
    """The catch-all comes after the routes: the room socket still answers (4401 here,
    its own refusal for a missing token, not the catch-all's)."""
    communicator = WebsocketCommunicator(application, f"/api/v1/ws/{room.pk}")
    try:
        assert await communicator.connect() == (False, 4401)
    finally:
        await communicator.disconnect()
