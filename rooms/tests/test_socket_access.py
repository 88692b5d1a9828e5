"""Open sockets follow access as it changes, and no frame can kill a socket.

A ban, a logout or leaving the room stops that user's affected sockets within a second;
a hostile frame gets an error toast and the socket keeps working.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from accounts import services as account_services
from accounts.tests.factories import UserFactory
from focusmate.asgi import application
from rooms import presence
from rooms import services as room_services
from rooms.models import Participant
from rooms.tests.test_consumers import ORIGIN, _communicator, _receive_timer, _status
from timers.models import Timer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.anyio]


@pytest.fixture(autouse=True)
def _quick_presence(settings):
    settings.PRESENCE_COALESCE_SECONDS = 0.05


def _login(user) -> tuple[Client, bytes]:
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return client, f"{name}={client.cookies[name].value}".encode()


def _me_socket(cookie: bytes) -> WebsocketCommunicator:
    headers = [(b"origin", ORIGIN), (b"host", b"127.0.0.1:8000"), (b"cookie", cookie)]
    return WebsocketCommunicator(application, "/ws/me/", headers=headers)


async def _drain(communicator, quiet: float = 0.3) -> None:
    while not await communicator.receive_nothing(timeout=quiet):
        await communicator.receive_from()


async def _closed_within(communicator, seconds: float) -> int:
    """The close code, if the server closes the socket within `seconds`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        message = await communicator.receive_output(timeout=max(0.01, deadline - loop.time()))
        if message["type"] == "websocket.close":
            return message.get("code")


async def _frame_with(communicator, text: str, timeout: float = 3) -> str:
    while True:
        frame = await communicator.receive_from(timeout=timeout)
        if text in frame:
            return frame


async def test_a_ban_closes_every_socket_of_that_user_and_removes_them(room, alice, bob):
    _, bob_cookie = await database_sync_to_async(_login)(bob)
    _, alice_cookie = await database_sync_to_async(_login)(alice)
    bob_room, bob_me = _communicator(room, bob_cookie), _me_socket(bob_cookie)
    watcher = _communicator(room, alice_cookie)
    for communicator in (bob_room, bob_me, watcher):
        assert (await communicator.connect())[0]
    await _receive_timer(bob_room)
    await _receive_timer(watcher)
    await _drain(watcher)
    await _drain(bob_room)
    moderator = await database_sync_to_async(UserFactory)(username="mod2", is_staff=True)
    try:
        await database_sync_to_async(account_services.user_deactivate)(user=bob, by=moderator)

        assert await _closed_within(bob_room, 1.0) is not None
        assert await _closed_within(bob_me, 1.0) is not None
        removal = await _frame_with(watcher, f'id="person-{bob.pk}"')
        assert 'hx-swap-oob="delete"' in removal
    finally:
        for communicator in (bob_room, bob_me, watcher):
            await communicator.disconnect()
    present = await database_sync_to_async(
        lambda: Participant.objects.present().filter(user=bob).exists()
    )()
    assert not present


async def test_a_frame_racing_a_ban_does_nothing(room, bob):
    """Even before the close arrives, every frame re-reads the user."""
    _, cookie = await database_sync_to_async(_login)(bob)
    socket = _communicator(room, cookie)
    assert (await socket.connect())[0]
    await _receive_timer(socket)
    await database_sync_to_async(
        lambda: type(bob).objects.filter(pk=bob.pk).update(is_active=False)
    )()
    try:
        await socket.send_json_to({"action": "start"})
        reply = await _frame_with(socket, "toast")
    finally:
        await socket.disconnect()
    assert "no longer in this room" in reply
    timer = await database_sync_to_async(Timer.objects.get)(room=room)
    assert timer.status == "idle"


async def test_a_logout_closes_the_sockets_of_that_session_only(room, bob):
    phone_client, phone_cookie = await database_sync_to_async(_login)(bob)
    _, laptop_cookie = await database_sync_to_async(_login)(bob)
    phone, laptop = _communicator(room, phone_cookie), _communicator(room, laptop_cookie)
    for communicator in (phone, laptop):
        assert (await communicator.connect())[0]
        await _receive_timer(communicator)
    await _drain(phone)
    await _drain(laptop)
    try:
        await database_sync_to_async(phone_client.post)("/accounts/logout/")

        assert await _closed_within(phone, 1.0) is not None
        assert await laptop.receive_nothing(timeout=0.5)  # the other session stays
    finally:
        await phone.disconnect()
        await laptop.disconnect()


async def test_leaving_a_private_room_stops_its_pushes_at_once(private_room, alice, bob):
    await database_sync_to_async(room_services.room_join)(
        room=private_room, user=bob, token=private_room.invite_token
    )
    _, bob_cookie = await database_sync_to_async(_login)(bob)
    socket = _communicator(private_room, bob_cookie)
    assert (await socket.connect())[0]
    await _receive_timer(socket)
    await _drain(socket)
    try:
        await database_sync_to_async(room_services.room_leave)(room=private_room, user=bob)
        code = await _closed_within(socket, 1.0)
        # Whatever happens in the room now never reaches the socket of someone who left.
        await database_sync_to_async(room_services.participant_set_intention)(
            room=private_room, user=alice, intention="secret plans"
        )
    finally:
        await socket.disconnect()
    assert code == 4403


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (json.dumps({"intention": "nul\x00byte"}), "Null characters are not allowed."),
        ("[" * 100_000 + "]" * 100_000, "too large"),
        ("[" * 5000 + "]" * 5000, "That message isn"),
        (json.dumps({"intention": "x" * 141}), "140 characters"),
        (json.dumps({"action": "explode"}), "not a timer action"),
        (json.dumps({"action": {"nested": ["start"]}}), "That message isn"),
        (json.dumps(["start"]), "That message isn"),
        ("not json", "That message isn"),
        (json.dumps({"unrelated": 1}), "That message isn"),
    ],
)
async def test_a_bad_frame_gets_a_toast_and_the_socket_keeps_working(room, bob, frame, message):
    _, cookie = await database_sync_to_async(_login)(bob)
    socket = _communicator(room, cookie)
    assert (await socket.connect())[0]
    await _receive_timer(socket)
    await _drain(socket)
    try:
        await socket.send_to(text_data=frame)
        toast = await _frame_with(socket, "toast-error")
        assert message in toast
        await socket.send_json_to({"action": "start"})
        assert _status(await _receive_timer(socket)) == "running"
    finally:
        await socket.disconnect()


async def test_a_crash_inside_a_handler_leaves_the_socket_and_presence_right(
    room, bob, monkeypatch
):
    def crash(**kwargs):
        raise RuntimeError("a bug in a service")

    monkeypatch.setattr("rooms.consumers.timer_command", crash)
    _, cookie = await database_sync_to_async(_login)(bob)
    socket = _communicator(room, cookie)
    assert (await socket.connect())[0]
    await _receive_timer(socket)
    await _drain(socket)
    await socket.send_json_to({"action": "start"})
    toast = await _frame_with(socket, "toast-error")
    await socket.send_json_to({"intention": "still here"})
    echo = await _frame_with(socket, "still here")
    await socket.disconnect()
    await presence.written()

    assert "Something went wrong" in toast and "a bug" not in toast
    assert "still here" in echo
    participant = await database_sync_to_async(Participant.objects.get)(room=room, user=bob)
    assert not await database_sync_to_async(lambda: participant.is_online)()


async def test_a_socket_gone_without_disconnect_drops_out_at_the_next_heartbeat(room, bob):
    """A handler that died without disconnect(): its consumer is collected, the heartbeat
    rewrites this process's presence from what it still holds, and Bob is offline."""
    import gc

    class DeadConsumer:
        pass

    ghost = DeadConsumer()
    presence.arrive(ghost, room_id=room.pk, user_id=bob.pk)
    await presence.written()
    participant = await database_sync_to_async(Participant.objects.get)(room=room, user=bob)
    assert await database_sync_to_async(lambda: participant.is_online)()

    del ghost
    gc.collect()
    await database_sync_to_async(presence._beat)()
    await presence.stop_heartbeat()

    assert (room.pk, bob.pk) not in presence.holding()
    assert not await database_sync_to_async(lambda: participant.is_online)()
