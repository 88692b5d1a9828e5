"""The JSON room socket: token only, the same state and commands as the page's socket,
and it stops within a second when access ends."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from accounts.tests.factories import UserFactory
from api.models import ApiToken, token_digest
from api.services import token_issue, token_refresh, token_revoke, tokens_delete
from focusmate.asgi import application
from moderation.services import user_ban
from rooms import services as room_services
from rooms.tests.test_consumers import _communicator as page_socket
from rooms.tests.test_consumers import _cookie_for, _receive_timer, _status
from timers.models import Timer
from timers.rendering import timer_data

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.anyio]


@pytest.fixture(autouse=True)
def _quick_presence(settings):
    settings.PRESENCE_COALESCE_SECONDS = 0.05


def _socket(room, secret: str | None = None, *, subprotocol: bool = False):
    path = f"/api/v1/ws/{room.pk}"
    if secret and not subprotocol:
        path += f"?token={secret}"
    protocols = ["bearer", secret] if secret and subprotocol else None
    return WebsocketCommunicator(application, path, subprotocols=protocols)


async def _issue(user) -> str:
    return (await database_sync_to_async(token_issue)(user=user))[1]


async def _next(communicator, kind: str, timeout: float = 3) -> dict:
    """The next frame of this type (presence pushes in between are skipped)."""
    while True:
        frame = json.loads(await communicator.receive_from(timeout=timeout))
        if frame["type"] == kind:
            return frame


async def _closed_within(communicator, seconds: float) -> int | None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        message = await communicator.receive_output(timeout=max(0.01, deadline - loop.time()))
        if message["type"] == "websocket.close":
            return message.get("code")


async def test_it_refuses_a_missing_token(room):
    connected, code = await _socket(room).connect()
    assert (connected, code) == (False, 4401)


async def test_it_refuses_a_made_up_token(room):
    connected, code = await _socket(room, "made-up").connect()
    assert (connected, code) == (False, 4401)


async def test_it_refuses_a_revoked_token(room, bob):
    secret = await _issue(bob)
    token = await database_sync_to_async(ApiToken.objects.get)(user=bob)
    await database_sync_to_async(token_revoke)(token=token)
    assert (await _socket(room, secret).connect()) == (False, 4401)


async def test_it_refuses_an_expired_token(room, bob):
    secret = await _issue(bob)
    await database_sync_to_async(ApiToken.objects.filter(user=bob).update)(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert (await _socket(room, secret).connect()) == (False, 4401)


async def test_it_refuses_someone_not_in_the_room(room, charlie):
    secret = await _issue(charlie)
    assert (await _socket(room, secret).connect()) == (False, 4403)


async def test_a_member_gets_the_state_the_page_shows(room, bob):
    secret = await _issue(bob)
    socket = _socket(room, secret, subprotocol=True)
    connected, subprotocol = await socket.connect()
    try:
        assert connected
        assert subprotocol == "bearer"
        snapshot = await _next(socket, "snapshot")
        timer = await database_sync_to_async(
            lambda: Timer.objects.select_related("room").get(room=room)
        )()
        expected = timer_data(timer)
        for key in ("status", "phase", "seq", "version", "ends_at", "actions", "settings"):
            assert snapshot["timer"][key] == expected[key]
        names = {person["username"] for person in snapshot["people"]["participants"]}
        assert names == {"alice", "bob"}
        assert snapshot["people"]["count"] == 2
    finally:
        await socket.disconnect()


async def test_a_command_is_pushed_to_the_page_and_the_json_socket_alike(room, alice, bob):
    secret = await _issue(bob)
    socket = _socket(room, secret)
    page = page_socket(room, await database_sync_to_async(_cookie_for)(alice))
    try:
        assert (await socket.connect())[0]
        assert (await page.connect())[0]
        await _next(socket, "snapshot")
        await _receive_timer(page)
        await socket.send_to(text_data=json.dumps({"action": "start"}))
        pushed = await _next(socket, "timer.changed")
        page_html = await _receive_timer(page)
        assert pushed["data"]["status"] == "running" == _status(page_html)
        assert pushed["data"]["ends_at"] is not None
        assert pushed["data"]["server_now"]
        stored = await database_sync_to_async(Timer.objects.get)(room=room)
        assert pushed["data"]["version"] == stored.version
    finally:
        await socket.disconnect()
        await page.disconnect()


async def test_an_intention_frame_changes_the_people_list(room, bob):
    secret = await _issue(bob)
    socket = _socket(room, secret)
    try:
        assert (await socket.connect())[0]
        await _next(socket, "snapshot")
        await socket.send_to(text_data=json.dumps({"intention": "Chapter 3"}))
        while True:
            pushed = await _next(socket, "people.changed")
            changed = {p["user_id"]: p for p in pushed["data"]["changed"]}
            if bob.pk in changed and changed[bob.pk]["intention"]:
                break
        assert changed[bob.pk]["intention"] == "Chapter 3"
    finally:
        await socket.disconnect()


async def test_a_member_cannot_forge_a_timer_update_in_an_owner_controlled_room(room, alice, bob):
    await database_sync_to_async(room_services.room_update)(room=room, by=alice, control="owner")
    secret = await _issue(bob)
    socket = _socket(room, secret)
    before = await database_sync_to_async(Timer.objects.get)(room=room)
    try:
        assert (await socket.connect())[0]
        await _next(socket, "snapshot")
        for forged in (
            {"action": "start"},
            {"action": "finish_everything"},
            {"type": "timer.changed", "data": {"status": "running"}},
            "not json",
        ):
            text = forged if isinstance(forged, str) else json.dumps(forged)
            await socket.send_to(text_data=text)
            error = await _next(socket, "error")
            assert error["detail"]
        stored = await database_sync_to_async(Timer.objects.get)(room=room)
        assert stored.status == "idle"
        assert stored.version == before.version
    finally:
        await socket.disconnect()


async def test_a_ban_closes_the_socket_within_a_second(room, bob):
    secret = await _issue(bob)
    socket = _socket(room, secret)
    moderator = await database_sync_to_async(UserFactory)(
        username="mod-ws", is_staff=True, is_superuser=True
    )
    try:
        assert (await socket.connect())[0]
        await _next(socket, "snapshot")
        await database_sync_to_async(user_ban)(by=moderator, user=bob)
        assert await _closed_within(socket, 1.0) is not None
    finally:
        await socket.disconnect()


async def test_revoking_the_token_closes_the_socket_within_a_second(room, bob):
    secret = await _issue(bob)
    socket = _socket(room, secret)
    try:
        assert (await socket.connect())[0]
        await _next(socket, "snapshot")
        token = await database_sync_to_async(ApiToken.objects.get)(user=bob)
        await database_sync_to_async(token_revoke)(token=token)
        assert await _closed_within(socket, 1.0) == 4401
    finally:
        await socket.disconnect()


async def test_deleting_the_token_in_the_admin_closes_the_socket(room, bob):
    secret = await _issue(bob)
    socket = _socket(room, secret, subprotocol=True)
    try:
        assert (await socket.connect())[0]
        await _next(socket, "snapshot")
        token = await database_sync_to_async(ApiToken.objects.get)(user=bob)
        await database_sync_to_async(tokens_delete)(token_ids=[token.pk])
        assert await _closed_within(socket, 1.0) == 4401
    finally:
        await socket.disconnect()


async def test_refreshing_closes_the_old_tokens_socket_and_the_new_one_connects(room, bob):
    secret = await _issue(bob)
    socket = _socket(room, secret)
    renewed = None
    try:
        assert (await socket.connect())[0]
        await _next(socket, "snapshot")
        token = await database_sync_to_async(ApiToken.objects.select_related("user").get)(user=bob)
        _, new_secret = await database_sync_to_async(token_refresh)(token=token)
        assert await _closed_within(socket, 1.0) == 4401
        assert (await _socket(room, secret).connect()) == (False, 4401)
        renewed = _socket(room, new_secret)
        assert (await renewed.connect())[0]
        await _next(renewed, "snapshot")
    finally:
        await socket.disconnect()
        if renewed is not None:
            await renewed.disconnect()


async def test_an_opaque_token_from_before_jwts_still_opens_the_socket(room, bob):
    secret = "an-opaque-secret-issued-before-jwts-0123456789"
    now = timezone.now()
    await database_sync_to_async(ApiToken.objects.create)(
        user=bob, digest=token_digest(secret), created_at=now, expires_at=now + timedelta(days=1)
    )
    socket = _socket(room, secret)
    try:
        assert (await socket.connect())[0]
        await _next(socket, "snapshot")
    finally:
        await socket.disconnect()


async def test_leaving_the_room_closes_the_socket(room, bob):
    secret = await _issue(bob)
    socket = _socket(room, secret)
    try:
        assert (await socket.connect())[0]
        await _next(socket, "snapshot")
        await database_sync_to_async(room_services.room_leave)(room=room, user=bob)
        assert await _closed_within(socket, 1.0) == 4403
    finally:
        await socket.disconnect()


async def test_closing_the_room_is_pushed_and_a_long_intention_is_refused(room, alice, bob):
    secret = await _issue(bob)
    socket = _socket(room, secret)
    try:
        assert (await socket.connect())[0]
        await _next(socket, "snapshot")
        await socket.send_to(text_data=json.dumps({"intention": "x" * 141}))
        refused = await _next(socket, "error")
        assert refused["detail"] == "Keep your intention to 140 characters."
        await database_sync_to_async(room_services.room_close)(room=room, by=alice)
        closed = await _next(socket, "room.closed")
        assert closed["data"] == {"room_id": room.pk}
    finally:
        await socket.disconnect()


async def test_a_chat_frame_comes_back_as_json_to_every_json_socket(room, alice, bob):
    bobs, alices = _socket(room, await _issue(bob)), _socket(room, await _issue(alice))
    try:
        assert (await bobs.connect())[0] and (await alices.connect())[0]
        await _next(bobs, "snapshot")
        await _next(alices, "snapshot")
        await bobs.send_to(text_data=json.dumps({"chat": "Anyone <b>here</b>?"}))
        pushed = await _next(alices, "chat.posted")
        assert pushed["data"]["sender"] == "bob"
        assert pushed["data"]["body"] == "Anyone <b>here</b>?"  # JSON carries text, not HTML
    finally:
        await bobs.disconnect()
        await alices.disconnect()


async def test_a_hidden_chat_line_is_pushed_without_its_words(room, alice, bob, moderator):
    from messaging.models import ChatMessage
    from moderation import services as moderation

    alices = _socket(room, await _issue(alice))
    try:
        assert (await alices.connect())[0]
        await _next(alices, "snapshot")
        line = await database_sync_to_async(ChatMessage.objects.create)(
            room=room, sender=bob, body="my phone number is 555"
        )
        await database_sync_to_async(moderation.moderation_hide)(by=moderator, target=line)
        changed = await _next(alices, "chat.changed")
    finally:
        await alices.disconnect()

    assert changed["data"] == {"id": line.pk, "sender": "bob", "body": "", "hidden": True}
