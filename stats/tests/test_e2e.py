from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

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
