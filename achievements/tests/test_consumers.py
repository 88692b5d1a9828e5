"""The unlock toast reaches the user's open sockets, and nobody else's."""

from __future__ import annotations

import threading

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connections

from achievements import services
from achievements.models import Achievement
from achievements.tests.factories import AchievementFactory
from messaging.consumers import UserConsumer
from stats.tests.factories import SessionHistoryFactory

pytestmark = pytest.mark.django_db(transaction=True)


def run_in_fresh_thread(scenario):
    """Runs an async scenario from a plain thread and returns its result.

    Once a browser test has started Playwright's sync API, this thread counts as running
    an event loop and async_to_sync refuses to run here.
    """
    outcome: dict[str, object] = {}

    def target() -> None:
        try:
            outcome["result"] = async_to_sync(scenario)()
        except BaseException as error:
            outcome["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout=30)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


def connect(user) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(UserConsumer.as_asgi(), "/ws/me/")
    communicator.scope["user"] = user
    return communicator


def test_an_unlock_pops_a_toast_in_the_users_open_page(alice, bob):
    Achievement.objects.update(is_active=False)
    AchievementFactory(name="First focus", icon="🌱", requirement_value=1)
    SessionHistoryFactory(user=alice)

    async def scenario() -> tuple[str, bool]:
        alice_page = connect(alice)
        bob_page = connect(bob)
        try:
            assert (await alice_page.connect())[0]
            assert (await bob_page.connect())[0]
            # A service transaction that commits: the toast is sent on commit.
            unlocks = await database_sync_to_async(services.achievements_check)(user=alice)
            assert len(unlocks) == 1
            # The bell's reload (a notification was added), then the toast.
            bell = await alice_page.receive_from(timeout=2)
            assert 'id="notifications-bell"' in bell
            html = await alice_page.receive_from(timeout=2)
            bob_got_nothing = await bob_page.receive_nothing(timeout=0.2)
            return html, bob_got_nothing
        finally:
            await alice_page.disconnect()
            await bob_page.disconnect()

    html, bob_got_nothing = run_in_fresh_thread(scenario)

    assert html.startswith('<div id="toasts" hx-swap-oob="beforeend">')
    assert 'class="toast toast-achievement" role="status"' in html
    assert "Achievement unlocked: First focus" in html
    assert bob_got_nothing


def test_a_check_that_unlocks_nothing_sends_nothing(alice):
    async def scenario() -> bool:
        page = connect(alice)
        try:
            assert (await page.connect())[0]
            await database_sync_to_async(services.achievements_check)(user=alice)
            return await page.receive_nothing(timeout=0.2)
        finally:
            await page.disconnect()

    assert run_in_fresh_thread(scenario)
