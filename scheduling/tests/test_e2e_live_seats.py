"""Live seats in a real browser: two pages show the same session, one books, and the other
page's count changes without a reload; the last seat turns its Book into Full."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from focusmate.lib import broadcast
from scheduling.tests.factories import ScheduledSessionFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _no_pushes_from_the_test_process(monkeypatch):
    # The scene is set in this process; the pushes under test come from the live server.
    monkeypatch.setattr(broadcast, "send_now", lambda group, message: None)


def _socket_open(page: Page) -> None:
    expect(page.locator('[ws-connect^="/ws/me/?seats="]')).to_have_attribute("data-ws", "open")


def test_a_seat_booked_on_one_page_shows_on_the_other_without_reload(
    live_site, new_page, room, bob, charlie, password
):
    starts_at = (timezone.now() + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    session = ScheduledSessionFactory(room=room, capacity=2, starts_at=starts_at, title="Deep work")
    bob_page, charlie_page = new_page(), new_page()
    live_site.log_in(bob_page, bob, password)
    live_site.log_in(charlie_page, charlie, password)

    bob_page.goto(f"{live_site.url}/schedule/{session.pk}/")
    charlie_page.goto(f"{live_site.url}/schedule/?week={starts_at.date().isoformat()}")
    for page in (bob_page, charlie_page):
        _socket_open(page)
        page.evaluate("() => { window.notReloaded = true; }")
    bobs_box = bob_page.get_by_test_id(f"booking-{session.pk}")
    charlies_box = charlie_page.get_by_test_id(f"booking-{session.pk}")
    expect(bobs_box).to_contain_text("0/2 booked")

    charlies_box.get_by_role("button", name="Book").click()
    expect(charlies_box).to_contain_text("You're booked")

    # Bob's page: the count and who is booked, pushed; his own Book button still there.
    expect(bobs_box).to_contain_text("1/2 booked", timeout=3_000)
    expect(bob_page.get_by_test_id("booked-person")).to_contain_text("charlie")
    expect(bob_page.get_by_test_id("booked-person").locator(".badge-you")).to_be_hidden()
    expect(bobs_box.get_by_role("button", name="Book")).to_be_visible()

    # Bob takes the last seat from his page: Charlie's page says 2/2, and he stays booked.
    bobs_box.get_by_role("button", name="Book").click()
    expect(bobs_box).to_contain_text("You're booked")
    expect(charlies_box).to_contain_text("2/2 booked", timeout=3_000)
    expect(charlies_box).to_contain_text("You're booked")

    # Charlie gives his seat back: on Bob's page the list shrinks to Bob, marked "you".
    charlies_box.get_by_role("button", name="Cancel my seat").click()
    expect(bob_page.get_by_test_id("booked-person")).to_have_count(1, timeout=3_000)
    expect(bob_page.get_by_test_id("booked-person").locator(".badge-you")).to_be_visible()
    for page in (bob_page, charlie_page):
        assert page.evaluate("() => window.notReloaded") is True


def test_the_last_seat_turns_book_into_full_live(
    live_site, new_page, room, alice, bob, charlie, password
):
    starts_at = (timezone.now() + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    session = ScheduledSessionFactory(room=room, capacity=1, starts_at=starts_at)
    alice_page, charlie_page = new_page(), new_page()
    live_site.log_in(alice_page, alice, password)
    live_site.log_in(charlie_page, charlie, password)

    alice_page.goto(f"{live_site.url}{room.get_absolute_url()}")  # the room's next sessions
    charlie_page.goto(f"{live_site.url}/schedule/?week={starts_at.date().isoformat()}")
    for page in (alice_page, charlie_page):
        _socket_open(page)
    alices_box = alice_page.get_by_test_id(f"booking-{session.pk}")
    expect(alices_box.get_by_role("button", name="Book")).to_be_visible()

    charlie_page.get_by_test_id(f"booking-{session.pk}").get_by_role("button", name="Book").click()

    expect(alices_box).to_contain_text("1/1 booked", timeout=3_000)
    expect(alices_box.get_by_text("Full", exact=True)).to_be_visible()
    expect(alices_box.get_by_role("button", name="Book")).to_have_count(0)
