"""The schedule in a real browser against a real server: Alice schedules a session from
the form, Bob finds it on /schedule/ on his phone, books it with one click and sees
himself booked."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from focusmate.lib import broadcast
from scheduling.models import Booking, ScheduledSession

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture(autouse=True)
def _no_pushes_from_the_test_process(monkeypatch):
    # The services that set the scene would push to this process's own channel layer,
    # which no browser listens to (and Playwright's loop makes async_to_sync refuse).
    monkeypatch.setattr(broadcast, "send_now", lambda group, message: None)


def test_alice_schedules_and_bob_books_from_the_schedule(
    live_site, new_page, room, alice, bob, password
):
    alice_page, bob_page = new_page(), new_page(**PHONE)
    live_site.log_in(alice_page, alice, password)
    live_site.log_in(bob_page, bob, password)
    # Tomorrow at 10:00 in Alice's zone (Europe/Berlin).
    day = (timezone.now().astimezone(ZoneInfo("Europe/Berlin")) + timedelta(days=1)).date()

    alice_page.goto(f"{live_site.url}{room.get_absolute_url()}")
    alice_page.get_by_role("link", name="Schedule a session").click()
    alice_page.get_by_label("Title").fill("Morning <sprint>")
    alice_page.get_by_label("Date", exact=True).fill(day.isoformat())
    alice_page.get_by_label("Time", exact=True).fill("10:00")
    alice_page.get_by_role("button", name="Schedule", exact=True).click()
    alice_page.wait_for_url(re.compile(r"/schedule/\d+/$"))
    session = ScheduledSession.objects.get(room=room)
    assert session.starts_at.astimezone(ZoneInfo("Europe/Berlin")).hour == 10

    bob_page.goto(f"{live_site.url}/schedule/?week={day.isoformat()}")
    slot = bob_page.locator(f"[data-session='{session.pk}']")
    expect(slot).to_contain_text("Morning <sprint>")
    expect(slot).to_contain_text("Europe/Berlin")  # Bob reads UTC; the organiser's zone shows
    slot.get_by_role("button", name="Book").click()

    expect(slot).to_contain_text("You're booked")
    expect(slot).to_contain_text("1/")
    assert bob_page.url.endswith(f"/schedule/?week={day.isoformat()}")  # no reload
    assert Booking.objects.held().filter(session=session, user=bob).exists()

    alice_page.reload()
    expect(alice_page.get_by_test_id("booked-person")).to_have_text(re.compile("bob"))
