"""A room page whose socket is closed by a restarting server (1012), then refused during
an outage (1013), says "Reconnecting…", keeps trying, and is live again once a socket
works: in a real browser against a real server, the sockets routed through Playwright
so that the test decides how each one ends."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_lost_socket_says_reconnecting_retries_and_comes_back(
    live_site, new_page, room, bob, password
):
    page = new_page()
    attempts = []

    def route(socket) -> None:
        attempts.append(socket)
        if len(attempts) == 2:
            socket.close(code=1013)  # the first retry: refused, as during an outage
            return
        socket.connect_to_server()

    page.route_web_socket(re.compile(rf"/ws/rooms/{room.pk}/"), route)
    live_site.log_in(page, bob, password)
    page.goto(f"{live_site.url}{room.get_absolute_url()}")
    socket_element = page.locator(f'[ws-connect="/ws/rooms/{room.pk}/"]')
    expect(socket_element).to_have_attribute("data-ws", "open")
    expect(page.locator(f"#person-{bob.pk}")).to_have_attribute("data-online", "true")
    expect(page.get_by_test_id("reconnecting")).to_have_count(0)

    attempts[0].close(code=1012)  # the server restarts (a deploy)

    expect(page.get_by_test_id("reconnecting")).to_be_visible(timeout=2_000)
    expect(page.get_by_test_id("reconnecting")).to_have_text("Reconnecting…")
    # Refused once (1013), then a socket that works: the snapshot arrives, the note goes.
    expect(page.get_by_test_id("reconnecting")).to_be_hidden(timeout=10_000)
    assert len(attempts) == 3
    expect(socket_element).to_have_attribute("data-ws", "open")
