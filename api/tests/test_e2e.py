"""The API as a client developer meets it, against a real server: the docs page in a
browser with nothing from outside, and an API client's Start showing up live on a
member's open room page."""

from __future__ import annotations

import json
import urllib.request

import pytest
from playwright.sync_api import expect

from api.services import token_issue
from focusmate.lib import broadcast
from rooms.tests.test_e2e import open_room, timer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _no_pushes_from_the_test_process(monkeypatch):
    # As in rooms' browser tests: the live server pushes what the browser sees.
    monkeypatch.setattr(broadcast, "send_now", lambda group, message: None)


def test_the_docs_work_offline_under_the_csp(live_site, new_page):
    page = new_page()
    outside, problems = [], []
    page.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith(live_site.url)
            else (outside.append(route.request.url), route.abort())
        ),
    )
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{live_site.url}/api/v1/docs")
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/rooms/").first).to_be_visible()
    expect(page.locator(".opblock").first).to_be_visible()
    assert outside == []
    assert problems == []


def test_a_start_from_the_api_shows_on_a_members_page(
    live_site, new_page, room, alice, bob, password
):
    page = new_page()
    live_site.log_in(page, bob, password)
    open_room(page, live_site.url, room, bob)
    expect(timer(page)).to_have_attribute("data-status", "idle")
    _, secret = token_issue(user=alice)
    request = urllib.request.Request(
        f"{live_site.url}/api/v1/timer/{room.pk}/start",
        method="POST",
        headers={"Authorization": f"Bearer {secret}"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert json.load(response)["status"] == "running"
    expect(timer(page)).to_have_attribute("data-status", "running", timeout=2_000)
