"""What every site socket shares (focusmate/lib/sockets.py): who a socket's session
belongs to, read off Channels' one sync thread, and events that never visit that thread."""

from __future__ import annotations

import threading

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from focusmate.asgi import application
from focusmate.lib import sockets
from focusmate.lib.sockets import CLOSE_UNAUTHENTICATED, parallel_db
from rooms.tests.test_consumers import _communicator, _receive_timer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.anyio]

ORIGIN = b"http://127.0.0.1:8000"


def _cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}".encode()


def _me_socket(cookie: bytes) -> WebsocketCommunicator:
    headers = [(b"origin", ORIGIN), (b"host", b"127.0.0.1:8000"), (b"cookie", cookie)]
    return WebsocketCommunicator(application, "/ws/me/", headers=headers)


async def _refusal(communicator) -> int | None:
    connected, code = await communicator.connect()
    await communicator.disconnect()
    return None if connected else code


async def test_a_logged_in_session_opens_a_socket(bob):
    cookie = await database_sync_to_async(_cookie)(bob)

    assert await _refusal(_me_socket(cookie)) is None


async def test_a_session_from_before_a_password_change_is_refused(bob):
    cookie = await database_sync_to_async(_cookie)(bob)

    def change_password():
        bob.set_password("a new and long passphrase")
        bob.save()

    await database_sync_to_async(change_password)()

    assert await _refusal(_me_socket(cookie)) == CLOSE_UNAUTHENTICATED


async def test_a_deactivated_user_s_session_is_refused(bob):
    cookie = await database_sync_to_async(_cookie)(bob)
    await database_sync_to_async(
        lambda: type(bob).objects.filter(pk=bob.pk).update(is_active=False)
    )()

    assert await _refusal(_me_socket(cookie)) == CLOSE_UNAUTHENTICATED


async def test_an_unknown_session_key_is_refused(bob):
    cookie = f"{settings.SESSION_COOKIE_NAME}=nosuchsessionkeynosuchsessionkey0".encode()

    assert await _refusal(_me_socket(cookie)) == CLOSE_UNAUTHENTICATED


async def test_the_session_and_user_are_read_off_the_sync_thread(bob, monkeypatch):
    read_on = []
    real = sockets._session_user

    def recording(session):
        read_on.append(threading.current_thread())
        return real(session)

    monkeypatch.setattr(sockets, "_session_user", recording)
    cookie = await database_sync_to_async(_cookie)(bob)
    sync_thread = await database_sync_to_async(threading.current_thread)()

    assert await _refusal(_me_socket(cookie)) is None
    assert len(read_on) == 1
    assert read_on[0] is not sync_thread


async def test_socket_events_send_nothing_to_the_sync_thread(room, bob, alice, monkeypatch):
    """Channels' dispatch visits the sync thread before every event; ours does not."""
    visits = []

    async def counted():
        visits.append(1)

    monkeypatch.setattr("channels.consumer.aclose_old_connections", counted)
    cookie = await database_sync_to_async(_cookie)(bob)
    communicator = _communicator(room, cookie)
    try:
        assert (await communicator.connect())[0]
        await _receive_timer(communicator)
        from timers.services import timer_command

        await database_sync_to_async(timer_command)(room=room, by=alice, action="start")
        await _receive_timer(communicator)
    finally:
        await communicator.disconnect()

    assert visits == []


async def test_socket_reads_close_old_connections_around_each_call(monkeypatch):
    """What lets the consumers skip Channels' check before every event: each database
    call they make closes broken or outlived connections before and after itself."""
    calls = []
    monkeypatch.setattr("channels.db.close_old_connections", lambda: calls.append(1))

    await parallel_db(lambda: None)()
    await database_sync_to_async(lambda: None)()

    assert len(calls) == 4
