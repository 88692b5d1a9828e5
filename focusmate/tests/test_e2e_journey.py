"""A new user's first pomodoro, end to end: the timer runs out on the server, the
session lands in their statistics and their first achievement pops up live."""

from __future__ import annotations

import pytest

from rooms import services as room_services
from timers.models import Timer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_first_work_phase_shows_in_stats_and_unlocks_first_focus(
    live_site, new_page, alice, password
):
    room = room_services.room_create(owner=alice, name="First pomodoro", work_minutes=1)
    page = new_page()
    live_site.log_in(page, alice, password)

    page.goto(f"{live_site.url}/rooms/{room.pk}/")
    page.click("button[name=action][value=start]")
    page.wait_for_selector("#timer[data-status=running]")
    page.click("button[name=action][value=pause]")
    page.wait_for_selector("#timer[data-status=paused]")
    # A one-minute phase is still too long for a test: leave it two seconds to run.
    Timer.objects.filter(room=room).update(remaining_seconds=2)
    page.click("button[name=action][value=resume]")

    # Nobody touches anything now: the server ends the phase and starts the break.
    page.wait_for_selector("#timer[data-phase=short_break][data-status=running]", timeout=10_000)
    toast = page.locator("#toasts .toast-achievement")
    toast.first.wait_for(timeout=10_000)
    assert "First focus" in toast.first.inner_text()

    page.goto(f"{live_site.url}/stats/?range=7")
    assert page.get_by_test_id("work-sessions").locator(".stat-value").inner_text() == "1"
    assert "1 day" in page.get_by_test_id("current-streak").inner_text()
    assert page.locator("[data-testid=daily-chart] rect.bar").count() >= 1

    page.goto(f"{live_site.url}/achievements/")
    first = page.get_by_test_id("achievement-first-session")
    assert "Unlocked" in first.inner_text()
