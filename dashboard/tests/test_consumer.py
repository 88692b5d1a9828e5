"""The dashboard socket: a snapshot on connect, then pushes as events happen."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from accounts import services as account_services
from accounts.models import FocusVisibility
from dashboard.tests.conftest import focusing
from focusmate.asgi import application
from focusmate.events import UserDeactivated
from focusmate.subscriptions import close_banned_sockets
from rooms import services as room_services

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.anyio]

ORIGIN = b"http://127.0.0.1:8000"


def _cookie_for(user) -> bytes:
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}".encode()


async def _dashboard(user=None) -> WebsocketCommunicator:
    headers = [(b"origin", ORIGIN), (b"host", b"127.0.0.1:8000")]
    if user is not None:
        headers.append((b"cookie", await database_sync_to_async(_cookie_for)(user)))
    return WebsocketCommunicator(application, "/ws/dashboard/", headers=headers)


async def _next_panel(communicator, timeout: float = 3) -> str:
    """The next frame that carries the Following panel."""
    while True:
        frame = await communicator.receive_from(timeout=timeout)
        if 'id="dashboard-following"' in frame:
            return frame


async def test_anonymous_sockets_are_refused():
    communicator = await _dashboard()

    connected, code = await communicator.connect()

    assert not connected
    assert code == 4401
    await communicator.disconnect()


async def test_a_snapshot_comes_first(alice):
    communicator = await _dashboard(alice)
    try:
        connected, _ = await communicator.connect()
        snapshot = await communicator.receive_from(timeout=3)
    finally:
        await communicator.disconnect()

    assert connected
    for part in ("dashboard-today", "dashboard-following", "dashboard-rooms"):
        assert f'id="{part}"' in snapshot
    assert snapshot.count('hx-swap-oob="true"') == 3


@pytest.fixture
def bobs_room_async(bob):
    return room_services.room_create(owner=bob, name="Bob's desk")


async def test_a_followed_person_focusing_appears_live_and_goes(alice, bob, bobs_room_async):
    room = bobs_room_async
    await database_sync_to_async(account_services.follow_create)(follower=alice, followed=bob)
    communicator = await _dashboard(alice)
    try:
        await communicator.connect()
        assert 'data-user="bob"' not in await _next_panel(communicator)

        await database_sync_to_async(focusing)(bob, room)
        shown = await _next_panel(communicator)
        while 'data-user="bob"' not in shown:  # joining pushes before the start does
            shown = await _next_panel(communicator)
        assert "Bob&#x27;s desk" in shown

        await database_sync_to_async(room_services.room_leave)(room=room, user=bob)
        assert 'data-user="bob"' not in await _next_panel(communicator)
    finally:
        await communicator.disconnect()


@pytest.mark.parametrize(
    ("visibility", "follows_back", "shown"),
    [
        (FocusVisibility.EVERYONE, False, True),
        (FocusVisibility.FOLLOW_BACK, False, False),
        (FocusVisibility.FOLLOW_BACK, True, True),
        (FocusVisibility.NOBODY, True, False),
    ],
)
async def test_the_socket_keeps_the_privacy_rule(
    alice, bob, bobs_room_async, visibility, follows_back, shown
):
    def arrange():
        account_services.follow_create(follower=alice, followed=bob)
        if follows_back:
            account_services.follow_create(follower=bob, followed=alice)
        bob.focus_visibility = visibility
        bob.save()

    await database_sync_to_async(arrange)()
    communicator = await _dashboard(alice)
    try:
        await communicator.connect()
        await _next_panel(communicator)  # the snapshot

        await database_sync_to_async(focusing)(bob, bobs_room_async)
        frames = []
        while not await communicator.receive_nothing(timeout=0.5):
            frames.append(await communicator.receive_from())
    finally:
        await communicator.disconnect()

    panels = [frame for frame in frames if 'id="dashboard-following"' in frame]
    assert panels  # the start was pushed, shown or not
    assert ('data-user="bob"' in panels[-1]) is shown
    if not shown:  # not in any push: not when he came online, not when he started
        assert not any('data-user="bob"' in panel for panel in panels)


async def test_a_ban_closes_the_dashboard_socket(alice):
    communicator = await _dashboard(alice)
    try:
        await communicator.connect()
        await communicator.receive_from(timeout=3)

        await database_sync_to_async(close_banned_sockets)(UserDeactivated(user_id=alice.pk))
        output = await communicator.receive_output(timeout=3)
    finally:
        await communicator.disconnect()

    assert output == {"type": "websocket.close", "code": 4401}
