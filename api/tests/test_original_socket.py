"""The room socket speaks the original backend's messages to a client that asks for them.

Written from the original's message names and field lists (issues #17 and #23), never
from what our socket sends: `connected` with `room_id`, `timer_update` with the timer,
`participant_joined` / `participant_left` with the participant, `room_updated` with the
room, `pong` for a ping. Ids are strings of digits.
"""

from __future__ import annotations

import json
import re

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from api.original_socket import PerPush
from api.services import token_issue
from focusmate.asgi import application
from rooms import services as room_services

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.anyio]

ID = re.compile(r"^[0-9]+$")
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")
TIMER_FIELDS = {
    "id": str,
    "room_id": str,
    "status": str,
    "phase": str,
    "duration": int,
    "remaining_seconds": int,
    "is_auto_start": bool,
}
PARTICIPANT_FIELDS = {
    "id": str,
    "room_id": str,
    "user_id": str,
    "username": str,
    "is_connected": bool,
    "is_host": bool,
    "joined_at": str,
}
ROOM_FIELDS = {
    "id": str,
    "name": str,
    "work_duration": int,
    "break_duration": int,
    "auto_start_break": bool,
    "is_active": bool,
    "host_id": str,
    "created_at": str,
}


@pytest.fixture(autouse=True)
def _quick_presence(settings):
    settings.PRESENCE_COALESCE_SECONDS = 0.05


async def _token(user) -> str:
    return (await database_sync_to_async(token_issue)(user=user))[1]


def _client(room, token: str, *, query: str = "protocol=v1") -> WebsocketCommunicator:
    return WebsocketCommunicator(application, f"/api/v1/ws/{room.pk}?token={token}&{query}")


async def _next(client, kind: str, timeout: float = 3) -> dict:
    """The next message of this type (others in between are skipped)."""
    while True:
        message = json.loads(await client.receive_from(timeout=timeout))
        assert set(message) <= {"type", "data"}, message
        if message["type"] == kind:
            return message


def _has_fields(data: dict, fields: dict) -> None:
    for name, kind in fields.items():
        assert isinstance(data[name], kind), (name, data.get(name))
    for name in ("id", "room_id", "user_id", "host_id"):
        if name in fields:
            assert ID.match(data[name]), (name, data[name])


async def test_a_session_of_the_original_client(room, alice, bob, charlie):
    mine = _client(room, await _token(bob))
    other = _client(room, await _token(alice), query="")
    try:
        assert (await mine.connect())[0]
        hello = json.loads(await mine.receive_from(timeout=3))
        assert hello["type"] == "connected"
        assert hello["data"]["room_id"] == str(room.pk)

        # a second client starts the timer
        assert (await other.connect())[0]
        await other.send_to(text_data=json.dumps({"action": "start"}))
        update = await _next(mine, "timer_update")
        timer = update["data"]
        _has_fields(timer, TIMER_FIELDS)
        assert timer["room_id"] == str(room.pk)
        assert timer["status"] == "running"
        assert timer["phase"] == "work"
        assert timer["duration"] == 25 * 60
        assert 0 < timer["remaining_seconds"] <= 25 * 60
        assert ISO.match(timer["started_at"])
        assert timer["paused_at"] is None

        # a second person joins, then leaves
        await database_sync_to_async(room_services.room_join)(room=room, user=charlie)
        joined = (await _next(mine, "participant_joined"))["data"]
        _has_fields(joined, PARTICIPANT_FIELDS)
        assert joined["user_id"] == str(charlie.pk)
        assert joined["username"] == "charlie"
        assert joined["room_id"] == str(room.pk)
        assert joined["is_host"] is False
        assert joined["left_at"] is None

        await database_sync_to_async(room_services.room_leave)(room=room, user=charlie)
        left = (await _next(mine, "participant_left"))["data"]
        _has_fields(left, PARTICIPANT_FIELDS)
        assert left["user_id"] == str(charlie.pk)
        assert left["id"] == joined["id"]
        assert ISO.match(left["left_at"])

        # ping, both ways the original's clients send it
        await mine.send_to(text_data=json.dumps({"action": "ping"}))
        assert json.loads(await mine.receive_from(timeout=3)) == {"type": "pong"}
        await mine.send_to(text_data=json.dumps({"type": "ping"}))
        assert json.loads(await mine.receive_from(timeout=3)) == {"type": "pong"}
    finally:
        await mine.disconnect()
        await other.disconnect()


async def test_a_first_frame_in_the_original_format_switches_to_its_messages(room, bob):
    client = _client(room, await _token(bob), query="")
    try:
        assert (await client.connect())[0]
        await client.receive_from(timeout=3)  # the greeting before the client spoke
        await client.send_to(text_data=json.dumps({"type": "ping"}))
        hello = json.loads(await client.receive_from(timeout=3))
        assert hello["type"] == "connected"
        assert hello["data"]["room_id"] == str(room.pk)
        assert (await _next(client, "pong")) == {"type": "pong"}
    finally:
        await client.disconnect()


async def test_a_client_that_does_not_ask_keeps_our_messages(room, bob):
    client = _client(room, await _token(bob), query="")
    try:
        assert (await client.connect())[0]
        first = json.loads(await client.receive_from(timeout=3))
        assert first["type"] != "connected"
        await client.send_to(text_data=json.dumps({"action": "start"}))
        while True:
            message = json.loads(await client.receive_from(timeout=3))
            assert message["type"] not in {"timer_update", "participant_joined", "connected"}
            if message["type"] == "timer.changed":
                break
        # a ping later on still gets a pong, and does not switch
        await client.send_to(text_data=json.dumps({"action": "ping"}))
        assert json.loads(await client.receive_from(timeout=3)) == {"type": "pong"}
    finally:
        await client.disconnect()


async def test_the_room_changing_is_room_updated(room, alice, bob):
    mine = _client(room, await _token(bob))
    try:
        assert (await mine.connect())[0]
        await _next(mine, "connected")
        await database_sync_to_async(room_services.room_update)(
            room=room, by=alice, name="Thesis, chapter 3", work_minutes=50
        )
        updated = (await _next(mine, "room_updated"))["data"]
        _has_fields(updated, ROOM_FIELDS)
        assert updated["id"] == str(room.pk)
        assert updated["name"] == "Thesis, chapter 3"
        assert updated["work_duration"] == 50
        assert updated["host_id"] == str(alice.pk)
        assert updated["is_active"] is True

        await database_sync_to_async(room_services.room_close)(room=room, by=alice)
        closed = (await _next(mine, "room_updated"))["data"]
        assert closed["is_active"] is False
    finally:
        await mine.disconnect()


async def test_a_refused_frame_is_an_error_in_the_original_envelope(room, bob):
    mine = _client(room, await _token(bob))
    try:
        assert (await mine.connect())[0]
        await _next(mine, "connected")
        await mine.send_to(text_data=json.dumps({"action": "explode"}))
        error = await _next(mine, "error")
        assert error["data"]["detail"] == "That's not a timer action."
    finally:
        await mine.disconnect()


async def test_what_a_push_becomes_is_made_once_per_process():
    made = []

    async def make(data: dict) -> str:
        made.append(data)
        return f"made {data['n']}"

    per_push = PerPush(make, kept=2)
    first, second = {"n": 1}, {"n": 2}
    assert [await per_push(first), await per_push(first)] == ["made 1", "made 1"]
    assert await per_push(second) == "made 2"
    assert made == [first, second]
    assert await per_push({"n": 1}) == "made 1"  # an equal but other push is made again
    assert len(made) == 3
