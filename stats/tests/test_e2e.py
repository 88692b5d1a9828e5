from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from stats.tests.factories import RoomFactory, SessionHistoryFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_person_reads_their_stats_switches_period_and_downloads_csv(
    live_site, new_page, alice, password, tmp_path
):
    room = RoomFactory(owner=alice, name="Thesis corner")
    now = timezone.now()
    # Three days in a row up to now (the live server's clock cannot be frozen).
    for hours_ago in (1, 25, 49):
        SessionHistoryFactory(user=alice, room=room, ended_at=now - timedelta(hours=hours_ago))

    page = new_page()
    live_site.log_in(page, alice, password)

    page.get_by_role("link", name="Stats").first.click()
    page.wait_for_url(f"{live_site.url}/stats/")
    assert page.locator("[data-testid=daily-chart] rect.bar").count() >= 2
    assert "3 days" in page.get_by_test_id("current-streak").inner_text()
    assert page.locator("[data-testid=heatmap] rect.heat-1").count() == 3  # 25 min a day

    # Switching the period swaps the fragment in place: the page itself is not reloaded.
    page.evaluate("window.stillHere = true")
    page.get_by_role("link", name="7 days").click()
    page.wait_for_url(re.compile(r"/stats/\?range=7$"))
    page.get_by_test_id("period-title").filter(has_text="(7 days").wait_for()
    assert page.evaluate("window.stillHere") is True
    assert page.locator("[data-testid=daily-chart] rect.hit").count() == 7
    assert page.get_by_role("link", name="7 days").get_attribute("aria-current") == "page"

    # The date fields show the browser's numbers (11/07/2026 here); their words say the
    # dates as the heading does, and follow what is typed (issue #25).
    start_words, end_words = page.get_by_test_id("start-words"), page.get_by_test_id("end-words")
    title = page.get_by_test_id("period-title").inner_text()
    assert title.startswith(f"{start_words.inner_text()} \N{EN DASH} {end_words.inner_text()} ")
    page.get_by_label("From", exact=True).fill("2026-03-05")
    expect(start_words).to_have_text("5 Mar 2026")

    with page.expect_download() as download_info:
        page.get_by_test_id("export-range").click()
    download = download_info.value
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    lines = Path(target).read_text().splitlines()
    assert download.suggested_filename.startswith("focusmate-history-")
    assert lines[0] == "started_at,ended_at,kind,room,seconds_credited,goal,outcome,note"
    assert len(lines) == 1 + 3
    assert all(line.endswith(",work,Thesis corner,1500,,,") for line in lines[1:])
