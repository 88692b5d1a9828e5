"""In a real browser: an unlock made elsewhere pops a toast and bumps the bell in an open page.

The unlock runs in this test process and the page is served by another process, so both
need one Redis channel layer; without Redis this test is skipped loudly (failed in CI,
where FOCUSMATE_REQUIRE_E2E is set).
"""

from __future__ import annotations

import os
import sys
import threading

import pytest
import redis
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from playwright.sync_api import expect

from achievements import services
from stats.tests.factories import SessionHistoryFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def redis_url(monkeypatch) -> str:
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        reason = f"ACHIEVEMENT TOAST E2E SKIPPED: no Redis at {url} ({error})."
        if os.environ.get("FOCUSMATE_REQUIRE_E2E"):
            pytest.fail(reason)
        print(f"\n*** {reason} ***", file=sys.stderr)
        pytest.skip(reason)
    monkeypatch.setenv("REDIS_URL", url)  # for the live site's process
    return url


def unlock_in_another_thread(user) -> None:
    # Playwright's sync API keeps an event loop in this thread, where async_to_sync (the
    # broadcast) refuses to run; a service call from a plain thread is what a server does.
    errors: list[BaseException] = []

    def run() -> None:
        try:
            SessionHistoryFactory(user=user)
            assert len(services.achievements_check(user=user)) >= 1
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=30)
    assert errors == []


def test_an_unlock_pops_a_toast_and_bumps_the_bell_in_an_open_page(
    redis_url, live_site, new_page, alice, settings
):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [{"address": redis_url}], "prefix": f"e2e{live_site.port}"},
        }
    }
    page = new_page()
    page.add_init_script(
        "document.addEventListener('htmx:wsOpen', () => { window.userSocketOpen = true; });"
    )
    # Factory passwords use the tests' fast hasher, which the live site does not accept:
    # log in through a session made here instead of the form.
    client = Client()
    client.force_login(alice)
    session_cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": session_cookie,
                "url": live_site.url,
            }
        ]
    )
    page.goto(f"{live_site.url}/achievements/")
    assert "0 / 1 sessions" in page.get_by_test_id("achievement-first-session").inner_text()
    page.locator("#notifications-bell a.bell").wait_for()  # the lazily loaded bell
    assert page.get_by_test_id("unread-count").count() == 0
    # The server joins the user's group before it accepts, so an open socket is listening.
    page.wait_for_function("() => window.userSocketOpen === true")

    unlock_in_another_thread(alice)

    toast = page.get_by_test_id("achievement-toast").first
    toast.wait_for()
    assert "Achievement unlocked: First focus" in toast.inner_text()
    page.get_by_test_id("unread-count").wait_for()
    assert page.get_by_test_id("unread-count").inner_text() == "1"

    page.locator("#notifications-bell a.bell").click()
    page.wait_for_url(f"{live_site.url}/notifications/")
    assert (
        "Achievement unlocked: 🌱 First focus" in page.get_by_test_id("notifications").inner_text()
    )
    # The page marks what it shows as read by its own POST, and the bell clears.
    expect(page.get_by_test_id("unread-count")).to_have_count(0)
