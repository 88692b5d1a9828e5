"""Two people find a partner on /schedule/partners/ in Chromium (fake cameras), are
matched, and meet in their room: the session starts by itself and each sees the other's
video playing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from partners.models import PartnerBooking, PartnerMatch
from rooms.tests.test_e2e import wait_online
from scheduling.models import ScheduledSession
from timers.models import Timer
from video.tests.test_e2e import camera_browser, camera_page, strip, wait_playing  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# The live server's scheduler passes at least every second, so it sees the session moved
# by this process (whose wake-up it cannot hear) within a second.
FAST_SCHEDULER = pytest.mark.parametrize(
    "live_site", [{"TIMER_SYNC_SECONDS": "1"}], indirect=True, ids=["sync1s"]
)
AHEAD = timedelta(seconds=8)


@pytest.fixture(autouse=True)
def _no_pushes_from_the_test_process(monkeypatch):
    from focusmate.lib import broadcast

    monkeypatch.setattr(broadcast, "send_now", lambda group, message: None)


def _find_a_partner(page: Page, site_url: str, starts_at, user) -> None:
    """The form, filled in as the person reads the time: in their own zone."""
    local = starts_at.astimezone(user.tzinfo)
    page.goto(f"{site_url}/schedule/partners/")
    page.fill("#id_date", local.date().isoformat())
    page.fill("#id_time", f"{local:%H:%M}")
    page.get_by_label("25 min").check()
    page.get_by_role("button", name="Find a partner").click()


@FAST_SCHEDULER
def test_two_people_book_a_slot_are_matched_and_meet_on_camera_when_it_starts(
    live_site,
    camera_page,  # noqa: F811  (the fixture imported above)
    alice,
    bob,
    password,
):
    alice_page, bob_page = camera_page(), camera_page()
    for page, user in ((alice_page, alice), (bob_page, bob)):
        live_site.log_in(page, user, password)
    # The first quarter hour at least five minutes away.
    soon = timezone.now().replace(second=0, microsecond=0) + timedelta(minutes=5)
    starts_at = soon + timedelta(minutes=15 - soon.minute % 15)

    _find_a_partner(alice_page, live_site.url, starts_at, alice)
    booking = alice_page.get_by_test_id("partner-booking").first
    expect(booking).to_have_attribute("data-status", "waiting")
    _find_a_partner(bob_page, live_site.url, starts_at, bob)
    expect(bob_page.get_by_test_id("partner-booking").first).to_have_attribute(
        "data-status", "matched"
    )
    expect(bob_page.get_by_test_id("partner-booking").first).to_contain_text("alice")
    alice_page.reload()
    expect(booking).to_have_attribute("data-status", "matched")
    expect(booking).to_contain_text("bob")

    # Bring the start close (the grid is a quarter hour away at best).
    match = PartnerMatch.objects.get()
    moved = timezone.now() + AHEAD
    ScheduledSession.objects.filter(pk=match.session_id).update(
        starts_at=moved, ends_at=moved + timedelta(minutes=25)
    )
    PartnerBooking.objects.update(starts_at=moved, ends_at=moved + timedelta(minutes=25))
    PartnerMatch.objects.update(starts_at=moved)

    for page, user in ((alice_page, alice), (bob_page, bob)):
        page.get_by_test_id("open-room").first.click()
        wait_online(page, user.username)
        expect(page.locator("#timer")).to_have_attribute("data-status", "idle")
        page.get_by_role("button", name="Turn camera on").click()

    for page in (alice_page, bob_page):  # nobody presses the timer
        expect(page.locator("#timer")).to_have_attribute(
            "data-status", "running", timeout=(AHEAD.total_seconds() + 6) * 1000
        )
        expect(page.locator("#timer")).to_have_attribute("data-duration", str(25 * 60))
    assert wait_playing(alice_page, bob.pk)[0] > 0
    assert wait_playing(bob_page, alice.pk)[0] > 0
    # A work phase, and yet either may speak: a 1:1 session's greeting is spoken.
    expect(alice_page.locator("#timer")).to_have_attribute("data-phase", "work")
    alice_page.get_by_role("button", name="Microphone off").click()
    expect(strip(alice_page)).to_have_attribute("data-mic", "on")
    expect(strip(bob_page).locator(f'.camera-tile[data-user="{alice.pk}"]')).to_have_attribute(
        "data-mic", "on"
    )
    expect(strip(alice_page).locator(f'.camera-tile[data-user="{bob.pk}"]')).to_have_count(1)
    timer = Timer.objects.get(room_id=match.room_id)
    assert (timer.status, timer.version) == ("running", 1)
