"""A scheduled session starts by itself while both booked people have the room open."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from focusmate.lib import broadcast
from scheduling.models import ScheduledSession
from scheduling.tests.factories import BookingFactory, ScheduledSessionFactory
from timers.models import Timer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# The live server's scheduler passes at least every second (its sync), so it sees a
# session written by this process (whose wake-up it cannot hear) within a second.
FAST_SCHEDULER = pytest.mark.parametrize(
    "live_site", [{"TIMER_SYNC_SECONDS": "1"}], indirect=True, ids=["sync1s"]
)
AHEAD = timedelta(seconds=6)


@pytest.fixture(autouse=True)
def _no_pushes_from_the_test_process(monkeypatch):
    # As in rooms/tests/test_e2e.py: the live server pushes what the pages show, and
    # Playwright's loop in this thread makes async_to_sync refuse.
    monkeypatch.setattr(broadcast, "send_now", lambda group, message: None)


def _open_room(page: Page, site_url: str, room, username: str) -> None:
    page.goto(f"{site_url}{room.get_absolute_url()}")
    person = page.locator(f"#participants li[data-user='{username}']")
    expect(person).to_have_attribute("data-online", "true", timeout=5_000)


@FAST_SCHEDULER
def test_the_session_starts_by_itself_on_both_open_pages(
    live_site, new_page, room, alice, bob, password
):
    alice_page, bob_page = new_page(), new_page()
    for page, user in ((alice_page, alice), (bob_page, bob)):
        live_site.log_in(page, user, password)
        _open_room(page, live_site.url, room, user.username)
    starts_at = timezone.now() + AHEAD
    session = ScheduledSessionFactory(
        room=room, starts_at=starts_at, ends_at=starts_at + timedelta(minutes=50), work_minutes=50
    )
    for user in (alice, bob):
        BookingFactory(session=session, user=user)
    for page in (alice_page, bob_page):
        expect(page.locator("#timer")).to_have_attribute("data-status", "idle")

    for page in (alice_page, bob_page):  # nobody presses anything
        expect(page.locator("#timer")).to_have_attribute(
            "data-status", "running", timeout=(AHEAD.total_seconds() + 5) * 1000
        )
        # the session's 50 minutes, not the room's 25
        expect(page.locator("#timer")).to_have_attribute("data-duration", str(50 * 60))

    session.refresh_from_db()
    assert session.started_at is not None
    late = (session.started_at - starts_at).total_seconds()
    assert 0 <= late < 2.5, f"started {late:.2f} s late"
    timer = Timer.objects.get(room=room)
    assert (timer.status, timer.version) == ("running", 1)
    # From the session's instant when the scheduler had prepared it (PostgreSQL), else
    # from the pass's clock (timers/scheduled.py): 50 minutes either way.
    assert timer.phase_started_at in (session.starts_at, session.started_at)
    assert timer.ends_at == timer.phase_started_at + timedelta(minutes=50)
    assert ScheduledSession.objects.filter(started_at__isnull=False).count() == 1
