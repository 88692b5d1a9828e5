from __future__ import annotations

import asyncio
import contextlib
import re

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from focusmate.asgi import application
from rooms import services as room_services
from rooms.models import Participant

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.anyio]

ORIGIN = b"http://127.0.0.1:8000"


def _cookie_for(user) -> bytes:
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}".encode()


def _communicator(room, cookie: bytes | None, origin: bytes = ORIGIN) -> WebsocketCommunicator:
    headers = [(b"origin", origin), (b"host", b"127.0.0.1:8000")]
    if cookie:
        headers.append((b"cookie", cookie))
    return WebsocketCommunicator(application, f"/ws/rooms/{room.pk}/", headers=headers)


def _status(html: str) -> str | None:
    match = re.search(r'id="timer"[^>]*?data-status="(\w+)"', html, re.S)
    return match.group(1) if match else None


async def _receive_timer(communicator, timeout: float = 3) -> str:
    """The next pushed frame that carries the timer (people-list frames are skipped)."""
    while True:
        frame = await communicator.receive_from(timeout=timeout)
        if _status(frame):
            return frame


@contextlib.asynccontextmanager
async def _alice_and_bob_connected(room, cookies):
    """Both sockets open, their snapshots and the arrivals' presence pushes read."""
    sockets = [_communicator(room, cookies["alice"]), _communicator(room, cookies["bob"])]
    try:
        for communicator in sockets:
            assert (await communicator.connect())[0]
            await _receive_timer(communicator)
        for communicator in sockets:
            while not await communicator.receive_nothing(timeout=0.3):
                await communicator.receive_from()
        yield sockets
    finally:
        for communicator in sockets:
            await communicator.disconnect()


@pytest.fixture(autouse=True)
def _quick_presence(settings):
    settings.PRESENCE_COALESCE_SECONDS = 0.05


@pytest.fixture
def cookies(alice, bob, charlie):
    return {"alice": _cookie_for(alice), "bob": _cookie_for(bob), "charlie": _cookie_for(charlie)}


async def test_anonymous_sockets_are_refused(room):
    communicator = _communicator(room, cookie=None)

    connected, code = await communicator.connect()

    assert not connected
    assert code == 4401
    await communicator.disconnect()


async def test_a_disallowed_origin_is_refused(room, cookies):
    communicator = _communicator(room, cookies["bob"], origin=b"https://evil.example.com")

    connected, _ = await communicator.connect()

    assert not connected
    await communicator.disconnect()


async def test_an_outsider_is_refused(room, cookies):
    communicator = _communicator(room, cookies["charlie"])

    connected, code = await communicator.connect()

    assert not connected
    assert code == 4403
    await communicator.disconnect()


async def test_a_member_gets_a_snapshot_on_connect_and_is_online(room, bob, cookies):
    communicator = _communicator(room, cookies["bob"])

    connected, _ = await communicator.connect()
    snapshot = await _receive_timer(communicator)

    assert connected
    assert _status(snapshot) == "idle"
    assert 'id="participants"' in snapshot
    participant = await database_sync_to_async(Participant.objects.get)(room=room, user=bob)
    assert await database_sync_to_async(lambda: participant.is_online)()

    await communicator.disconnect()
    participant = await database_sync_to_async(Participant.objects.get)(room=room, user=bob)
    assert not await database_sync_to_async(lambda: participant.is_online)()


async def test_both_clients_receive_a_start(room, alice, cookies):
    from timers.services import timer_command

    async with _alice_and_bob_connected(room, cookies) as sockets:
        await database_sync_to_async(timer_command)(room=room, by=alice, action="start")

        for communicator in sockets:
            assert _status(await _receive_timer(communicator)) == "running"


async def test_a_command_frame_runs_the_same_service(room, cookies):
    async with _alice_and_bob_connected(room, cookies) as (alice_socket, bob_socket):
        await bob_socket.send_json_to({"action": "start"})

        assert _status(await _receive_timer(alice_socket)) == "running"


async def test_an_illegal_command_frame_answers_only_the_sender(room, cookies):
    async with _alice_and_bob_connected(room, cookies) as (alice_socket, bob_socket):
        await bob_socket.send_json_to({"action": "pause"})

        reply = await bob_socket.receive_from(timeout=3)
        assert "Only a running timer can be paused." in reply
        assert 'hx-swap-oob="beforeend"' in reply
        assert await alice_socket.receive_nothing(timeout=0.5)


async def test_an_intention_frame_is_escaped_and_shown_to_the_room(room, cookies):
    async with _alice_and_bob_connected(room, cookies) as (alice_socket, bob_socket):
        await bob_socket.send_json_to({"intention": "<b>Chapter 3</b>"})
        frame = await asyncio.wait_for(_frame_containing(alice_socket, "Chapter 3"), timeout=5)

    assert "&lt;b&gt;Chapter 3&lt;/b&gt;" in frame


async def _frame_containing(communicator, text: str) -> str:
    while True:
        frame = await communicator.receive_from(timeout=3)
        if text in frame:
            return frame


async def test_a_timer_push_carries_the_timer_alone(room, alice, cookies):
    from timers.services import timer_command

    async with _alice_and_bob_connected(room, cookies) as (alice_socket, _):
        await database_sync_to_async(timer_command)(room=room, by=alice, action="start")
        frame = await _receive_timer(alice_socket)

    assert 'id="participants"' not in frame
    assert "person-" not in frame


async def test_arrivals_are_pushed_together_as_the_people_who_changed(
    room, bob, charlie, cookies, settings
):
    settings.PRESENCE_COALESCE_SECONDS = 0.3
    await database_sync_to_async(room_services.room_join)(room=room, user=charlie)
    watcher = _communicator(room, cookies["alice"])
    await watcher.connect()
    await _receive_timer(watcher)
    while not await watcher.receive_nothing(timeout=0.5):
        await watcher.receive_from()
    arrivals = [_communicator(room, cookies["bob"]), _communicator(room, cookies["charlie"])]
    for communicator in arrivals:
        await communicator.connect()

    frame = await watcher.receive_from(timeout=3)
    quiet_after = await watcher.receive_nothing(timeout=0.6)
    for communicator in (*arrivals, watcher):
        await communicator.disconnect()

    assert f'id="person-{bob.pk}"' in frame and f'id="person-{charlie.pk}"' in frame
    assert frame.count('class="person is-online"') == 2
    assert 'id="people-count"' in frame
    assert quiet_after


async def test_a_timer_push_is_forwarded_without_a_hop_to_the_database_thread(
    room, alice, cookies, monkeypatch
):
    """The pushes of a class's rooms go straight out: forwarding touches no database."""
    from channels import consumer

    from timers.services import timer_command

    hops: list[str] = []
    real_close = consumer.aclose_old_connections

    async def counting_close():
        hops.append("close")
        await real_close()

    async with _alice_and_bob_connected(room, cookies) as (alice_socket, _):
        monkeypatch.setattr(consumer, "aclose_old_connections", counting_close)
        await database_sync_to_async(timer_command)(room=room, by=alice, action="start")
        frame = await _receive_timer(alice_socket)
        assert _status(frame) == "running"
        assert hops == []
        # A frame from the page still runs Channels' way, connections closed first.
        await alice_socket.send_to(text_data='{"action": "pause"}')
        frame = await _receive_timer(alice_socket)
        assert _status(frame) == "paused"
        assert hops
