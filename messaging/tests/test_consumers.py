"""The per-user socket and room chat over the room socket: live pushes after commit,
catching up after a drop or a channel-layer outage with nothing lost or doubled, frames
refused to outsiders, and nothing for a member who left."""

from __future__ import annotations

import asyncio
import re

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from focusmate.asgi import application
from messaging import queries, services
from messaging.consumers import UserConsumer
from messaging.models import ChatMessage
from rooms import services as room_services
from rooms.models import Room
from tests.xss import XSS_PAYLOADS, assert_inert
from timers import services as timer_services

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.anyio]

HEADERS = [(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")]


def _login(user) -> tuple[Client, bytes]:
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return client, f"{name}={client.cookies[name].value}".encode()


async def _socket(user, path: str = "/ws/me/") -> tuple[WebsocketCommunicator, Client]:
    client, cookie = await database_sync_to_async(_login)(user)
    communicator = WebsocketCommunicator(application, path, headers=[*HEADERS, (b"cookie", cookie)])
    connected, _ = await communicator.connect()
    assert connected
    return communicator, client


async def _drain(communicator) -> None:
    while not await communicator.receive_nothing(timeout=0.3):
        await communicator.receive_from()


async def _frame_with(communicator, text: str, timeout: float = 3) -> str:
    async def wait() -> str:
        while True:
            frame = await communicator.receive_from(timeout=timeout)
            if text in frame:
                return frame

    return await asyncio.wait_for(wait(), timeout=timeout + 1)


def _ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<article id="(?:message|chat)-(\d+)"', html)]


class Page:
    """What messages.js keeps: one of each message, in id order, from pushes and catch-ups."""

    def __init__(self, html: str = ""):
        self.ids: set[int] = set(_ids(html))
        self.received: list[int] = []

    def take(self, html: str) -> None:
        found = _ids(html)
        self.received += found
        self.ids.update(found)

    @property
    def newest(self) -> int:
        return max(self.ids, default=0)


def _send(sender, recipient, body):
    return services.message_send(sender=sender, recipient=recipient, body=body)


async def test_a_message_reaches_both_peoples_sockets_after_commit(alice, bob):
    bob_socket, _ = await _socket(bob)
    alice_socket, _ = await _socket(alice)
    try:
        message = await database_sync_to_async(_send)(alice, bob, "<b>live</b> hello")

        to_bob = await _frame_with(bob_socket, "live")
        to_alice = await _frame_with(alice_socket, "live")
    finally:
        await bob_socket.disconnect()
        await alice_socket.disconnect()

    assert f'hx-swap-oob="beforeend:#messages-with-{alice.pk}"' in to_bob
    assert "&lt;b&gt;live&lt;/b&gt;" in to_bob and "<b>live" not in to_bob
    assert 'id="messages-badge"' in to_bob and 'id="inbox-refresh"' in to_bob
    assert "Report" in to_bob and "Edit" not in to_bob  # the receiver's copy
    assert f'beforeend:#messages-with-{bob.pk}"' in to_alice and "Edit" in to_alice
    assert _ids(to_bob) == [message.pk]


async def test_an_outsiders_socket_hears_nothing(alice, bob, charlie):
    charlie_socket, _ = await _socket(charlie)
    try:
        await database_sync_to_async(_send)(alice, bob, "private")
        assert await charlie_socket.receive_nothing(timeout=0.5)
    finally:
        await charlie_socket.disconnect()


async def test_a_dropped_socket_catches_up_after_its_newest_id_without_loss_or_doubles(alice, bob):
    first = await database_sync_to_async(_send)(alice, bob, "one")
    client = await database_sync_to_async(Client)()
    await database_sync_to_async(client.force_login)(bob)
    url = "/messages/alice/"
    page = Page((await database_sync_to_async(client.get)(url)).content.decode())
    assert page.ids == {first.pk}

    socket, _ = await _socket(bob)
    await socket.disconnect()  # the laptop sleeps
    missed = [await database_sync_to_async(_send)(alice, bob, f"missed {n}") for n in range(5)]

    socket, _ = await _socket(bob)  # it wakes: the socket is back, then the page asks
    try:
        racing = await database_sync_to_async(_send)(alice, bob, "while catching up")
        answer = await database_sync_to_async(client.get)(url, {"after": page.newest})
        page.take(answer.content.decode())
        page.take(await _frame_with(socket, "while catching up"))
    finally:
        await socket.disconnect()

    expected = [first.pk, *(m.pk for m in missed), racing.pk]
    assert sorted(page.ids) == expected
    assert _ids(answer.content.decode()) == expected[1:]  # in order
    # The racing message came both ways; the page keeps it once.
    assert page.received.count(racing.pk) == 2 and len(page.ids) == len(expected)


async def test_after_a_channel_layer_outage_the_page_is_told_to_catch_up(alice, bob, monkeypatch):
    """Redis restarted: pushes published meanwhile are gone. The socket's resync tells the
    page to ask for what came after its newest id, and the answer has all of it."""
    from focusmate.lib import broadcast

    client = await database_sync_to_async(Client)()
    await database_sync_to_async(client.force_login)(bob)
    socket, _ = await _socket(bob)
    try:
        before = await database_sync_to_async(_send)(alice, bob, "before")
        page = Page(await _frame_with(socket, "before"))

        monkeypatch.setattr(broadcast, "_send_all", lambda messages: None)  # pushes lost
        lost = [await database_sync_to_async(_send)(alice, bob, f"lost {n}") for n in range(3)]
        assert await socket.receive_nothing(timeout=0.3)
        monkeypatch.undo()

        await UserConsumer.resync(_ResyncProbe(socket))
    finally:
        await socket.disconnect()

    assert 'data-catch-up="me"' in _ResyncProbe.sent[-1]
    answer = await database_sync_to_async(client.get)("/messages/alice/", {"after": page.newest})
    page.take(answer.content.decode())
    assert sorted(page.ids) == [before.pk, *(m.pk for m in lost)]


class _ResyncProbe:
    """Stands in for the consumer whose `resync` runs when the layer comes back."""

    sent: list[str] = []

    def __init__(self, socket):
        self.socket = socket

    async def send(self, text_data: str) -> None:
        _ResyncProbe.sent.append(text_data)


async def test_a_read_frame_moves_only_the_senders_own_state_and_outsiders_get_not_found(
    alice, bob, charlie
):
    message = await database_sync_to_async(_send)(alice, bob, "read me")
    frame = {"conversation": message.conversation_id, "up_to": message.pk}
    charlie_socket, _ = await _socket(charlie)
    bob_socket, _ = await _socket(bob)
    try:
        await charlie_socket.send_json_to(frame)
        refusal = await _frame_with(charlie_socket, "toast")
        assert await database_sync_to_async(queries.unread_total)(user=bob) == 1

        await bob_socket.send_json_to(frame)
        await _frame_with(bob_socket, "messages-badge")  # his other pages are told
    finally:
        await charlie_socket.disconnect()
        await bob_socket.disconnect()

    assert "No such conversation." in refusal
    assert await database_sync_to_async(queries.unread_total)(user=bob) == 0
    assert await database_sync_to_async(queries.unread_total)(user=alice) == 0


@pytest.mark.parametrize(
    ("frame", "error"),
    [({"conversation": 1}, "required"), ({"up_to": "x", "conversation": 1}, "whole number")],
)
async def test_a_bad_read_frame_gets_a_toast(bob, frame, error):
    socket, _ = await _socket(bob)
    try:
        await socket.send_json_to(frame)
        assert error in await _frame_with(socket, "toast")
    finally:
        await socket.disconnect()


# --- Room chat --------------------------------------------------------------------------


async def test_a_chat_frame_reaches_every_member_of_the_room(room, alice, bob):
    alice_socket, _ = await _socket(alice, f"/ws/rooms/{room.pk}/")
    bob_socket, _ = await _socket(bob, f"/ws/rooms/{room.pk}/")
    await _drain(alice_socket)
    await _drain(bob_socket)
    try:
        await bob_socket.send_json_to({"chat": "<img src=x onerror=alert(1)> break?"})
        frame = await _frame_with(alice_socket, "break?")
    finally:
        await alice_socket.disconnect()
        await bob_socket.disconnect()

    line = await database_sync_to_async(ChatMessage.objects.get)()
    assert f'beforeend:#chat-lines-{room.pk}"' in frame and _ids(frame) == [line.pk]
    assert "&lt;img" in frame and "<img" not in frame


def _refuse_room_pushes(monkeypatch) -> None:
    """The channel layer refuses every push to a room (Redis is away)."""
    from channels.layers import get_channel_layer
    from redis.exceptions import ConnectionError as RedisConnectionError

    layer = get_channel_layer()
    send = layer.group_send

    async def refusing(group, message):
        if group.startswith("room."):
            raise RedisConnectionError("Connection refused")
        await send(group, message)

    monkeypatch.setattr(layer, "group_send", refusing)
    if hasattr(layer, "group_send_many"):  # the Redis layer sends through this
        send_many = layer.group_send_many

        async def refusing_many(messages):
            if any(group.startswith("room.") for group, _ in messages):
                raise RedisConnectionError("Connection refused")
            await send_many(messages)

        monkeypatch.setattr(layer, "group_send_many", refusing_many)


async def test_a_chat_line_whose_push_fails_still_reaches_its_sender_with_a_note(
    room, bob, monkeypatch
):
    bob_socket, _ = await _socket(bob, f"/ws/rooms/{room.pk}/")
    await _drain(bob_socket)
    _refuse_room_pushes(monkeypatch)
    try:
        await bob_socket.send_json_to({"chat": "anyone there?"})
        frame = await _frame_with(bob_socket, "anyone there?")
    finally:
        await bob_socket.disconnect()

    line = await database_sync_to_async(ChatMessage.objects.get)()
    assert f'beforeend:#chat-lines-{room.pk}"' in frame and _ids(frame) == [line.pk]
    assert "live delivery is down" in frame  # the toast: saved, not yet delivered


async def test_the_api_socket_sender_is_told_too(room, bob, monkeypatch):
    import json

    from api.services import token_issue

    _, secret = await database_sync_to_async(token_issue)(user=bob)
    socket = WebsocketCommunicator(application, f"/api/v1/ws/{room.pk}?token={secret}")
    assert (await socket.connect())[0]
    await _drain(socket)
    _refuse_room_pushes(monkeypatch)
    try:
        await socket.send_json_to({"chat": "json line"})
        frame = json.loads(await _frame_with(socket, "json line"))
    finally:
        await socket.disconnect()

    assert frame["type"] == "chat.posted" and frame["delivered"] is False
    assert frame["data"]["body"] == "json line"


async def test_a_moderator_hiding_a_line_redraws_it_on_open_pages_and_restoring_brings_it_back(
    room, alice, bob, moderator
):
    from moderation import services as moderation

    alice_socket, _ = await _socket(alice, f"/ws/rooms/{room.pk}/")
    bob_socket, _ = await _socket(bob, f"/ws/rooms/{room.pk}/")
    await _drain(alice_socket)
    await _drain(bob_socket)
    try:
        await bob_socket.send_json_to({"chat": "buy cheap pills"})
        await _frame_with(alice_socket, "buy cheap pills")
        line = await database_sync_to_async(ChatMessage.objects.get)()
        await database_sync_to_async(moderation.moderation_hide)(by=moderator, target=line)
        hidden = await _frame_with(alice_socket, "hidden by a moderator")
        await database_sync_to_async(moderation.moderation_restore)(by=moderator, target=line)
        restored = await _frame_with(alice_socket, f'id="chat-{line.pk}"')
    finally:
        await alice_socket.disconnect()
        await bob_socket.disconnect()

    # Each frame replaces the line where it stands (out of band, by its id), not appended.
    assert _ids(hidden) == [line.pk] and 'hx-swap-oob="true"' in hidden
    assert "buy cheap pills" not in hidden and "beforeend" not in hidden
    assert "buy cheap pills" in restored and "hidden by a moderator" not in restored


async def test_a_member_who_leaves_a_private_room_receives_no_more_chat(private_room, alice, bob):
    await database_sync_to_async(room_services.room_join)(
        room=private_room, user=bob, token=private_room.invite_token
    )
    bob_socket, _ = await _socket(bob, f"/ws/rooms/{private_room.pk}/")
    alice_socket, _ = await _socket(alice, f"/ws/rooms/{private_room.pk}/")
    await _drain(bob_socket)
    try:
        await database_sync_to_async(room_services.room_leave)(room=private_room, user=bob)
        closed = await bob_socket.receive_output(timeout=2)
        while closed["type"] != "websocket.close":
            closed = await bob_socket.receive_output(timeout=2)
        await alice_socket.send_json_to({"chat": "secret plans"})
        await _frame_with(alice_socket, "secret plans")
        leftovers = []
        while not await bob_socket.receive_nothing(timeout=0.5):
            leftovers.append(await bob_socket.receive_output())
        assert not any("secret plans" in str(out) for out in leftovers)
        # (The departure's own people push may still arrive; no chat does.) Over HTTP too:
        client, _ = await database_sync_to_async(_login)(bob)
        response = await database_sync_to_async(client.get)(f"/rooms/{private_room.pk}/chat/")
    finally:
        await bob_socket.disconnect()
        await alice_socket.disconnect()

    assert closed["code"] == 4403
    assert response.status_code == 404


async def test_a_breaks_only_room_refuses_chat_frames_during_work(room, alice, bob):
    def set_breaks_only_and_start() -> None:
        fresh = Room.objects.get(pk=room.pk)
        room_services.room_update(room=fresh, by=alice, chat_during_work="breaks_only")
        timer_services.timer_command(room=fresh, by=alice, action="start")

    await database_sync_to_async(set_breaks_only_and_start)()
    bob_socket, _ = await _socket(bob, f"/ws/rooms/{room.pk}/")
    await _drain(bob_socket)
    try:
        await bob_socket.send_json_to({"chat": "during work"})
        toast = await _frame_with(bob_socket, "toast")
    finally:
        await bob_socket.disconnect()

    assert "next break" in toast
    assert not await database_sync_to_async(ChatMessage.objects.exists)()


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_hostile_text_is_inert_in_every_push(alice, bob, room, payload, monkeypatch):
    from focusmate.lib import broadcast

    sent: list[dict] = []
    monkeypatch.setattr(broadcast, "send_now", lambda group, message: sent.append(message))
    message = _send(alice, bob, payload)
    services.message_edit(message=message, by=alice, body=payload + " (edited)")
    services.message_delete(message=message, by=alice)
    services.chat_post(room=room, by=bob, body=payload)

    assert {m["type"] for m in sent} >= {
        "message.sent",
        "message.edited",
        "message.deleted",
        "chat.posted",
    }
    for pushed in sent:
        assert_inert(pushed["html"])


async def test_after_a_layer_outage_the_room_socket_tells_the_chat_to_catch_up(room, bob):
    from rooms.consumers import RoomConsumer

    consumer = RoomConsumer()
    consumer.room_id, consumer.scope = room.pk, {"user": bob}
    sent: list[str] = []

    async def send(text_data: str) -> None:
        sent.append(text_data)

    async def snapshot(timer, joined_at: float) -> str:
        return "<section id=timer></section>"

    consumer.send, consumer._snapshot = send, snapshot
    await consumer.resync()

    assert len(sent) == 1 and 'data-catch-up="room"' in sent[0]
