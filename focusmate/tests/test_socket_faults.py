"""A socket opened while Redis or PostgreSQL is away is closed with 1013 ("try again
later"), which the page's script retries; never Daphne's HTTP 500."""

from __future__ import annotations

import pytest
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.db import OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError

from api.services import token_issue
from conftest import session_cookie
from focusmate.asgi import application
from rooms import access, presence

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.anyio]

ORIGIN = b"http://127.0.0.1:8000"


@pytest.fixture
def bob_cookie(bob) -> bytes:
    """Bob's session cookie, made before any outage."""
    return f"{settings.SESSION_COOKIE_NAME}={session_cookie(bob)}".encode()


@pytest.fixture
def bob_token(bob) -> str:
    return token_issue(user=bob)[1]


def _socket(path: str, cookie: bytes) -> WebsocketCommunicator:
    headers = [(b"origin", ORIGIN), (b"host", b"127.0.0.1:8000"), (b"cookie", cookie)]
    return WebsocketCommunicator(application, path, headers=headers)


def _room_socket(room, cookie: bytes) -> WebsocketCommunicator:
    return _socket(f"/ws/rooms/{room.pk}/", cookie)


async def _closed_with(communicator: WebsocketCommunicator) -> int:
    """Connects; the socket must be accepted and then closed: returns the close code."""
    connected, _ = await communicator.connect(timeout=5)
    assert connected, "refused at the handshake: the browser would see a bare 1006"
    message = await communicator.receive_output(timeout=5)
    assert message["type"] == "websocket.close", message
    return message["code"]


@pytest.fixture
def redis_away(settings):
    """The channel layer is the production one, on a Redis that refuses connections."""
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "focusmate.lib.layers.PipelinedRedisPubSubChannelLayer",
            "CONFIG": {"hosts": [{"address": "redis://127.0.0.1:1/0"}]},
        }
    }
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


async def test_a_room_socket_during_a_redis_outage_is_closed_with_1013(
    redis_away, room, bob_cookie
):
    assert await _closed_with(_room_socket(room, bob_cookie)) == 1013


async def test_the_user_socket_during_a_redis_outage_is_closed_with_1013(redis_away, bob_cookie):
    assert await _closed_with(_socket("/ws/me/", bob_cookie)) == 1013


async def test_a_room_socket_during_a_database_outage_is_closed_with_1013(
    room, bob_cookie, monkeypatch
):
    def unreachable(**kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(access, "membership_with_timer", unreachable)

    assert await _closed_with(_room_socket(room, bob_cookie)) == 1013


async def test_a_session_read_failing_before_the_consumer_closes_with_1013(
    room, bob_cookie, monkeypatch
):
    communicator = _room_socket(room, bob_cookie)  # logged in before the outage

    def unreachable(self):
        raise OperationalError("connection refused")

    monkeypatch.setattr(SessionStore, "load", unreachable)

    assert await _closed_with(communicator) == 1013


async def test_the_api_socket_during_a_database_outage_is_closed_with_1013(
    room, bob_token, monkeypatch
):
    def unreachable(credential):
        raise OperationalError("connection refused")

    monkeypatch.setattr("api.consumers.token_for_credential", unreachable)
    communicator = WebsocketCommunicator(application, f"/api/v1/ws/{room.pk}?token={bob_token}")

    assert await _closed_with(communicator) == 1013


async def test_a_bug_closes_with_1011_not_an_http_500(room, bob_cookie, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(access, "membership_with_timer", broken)

    assert await _closed_with(_room_socket(room, bob_cookie)) == 1011


async def test_a_socket_closing_during_a_redis_outage_still_leaves_the_room(
    room, bob, bob_cookie, monkeypatch
):
    communicator = _room_socket(room, bob_cookie)
    connected, _ = await communicator.connect()
    assert connected
    await communicator.receive_from()  # the snapshot
    assert (room.pk, bob.pk) in presence._held

    layer = channel_layers["default"]

    async def refused(group, channel):
        raise RedisConnectionError("Connection refused")

    monkeypatch.setattr(layer, "group_discard", refused)
    await communicator.disconnect()

    assert (room.pk, bob.pk) not in presence._held  # not shown online for ever
