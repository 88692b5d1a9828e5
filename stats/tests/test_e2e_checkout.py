"""Check-in and check-out in real browsers against a real server (Daphne, sockets, the
in-process scheduler): Bob states a goal, the work phase ends, the page asks "Did you do
it?", his one click reaches /stats/ and the CSV, and Alice sees his ✓ at the break."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.db.models import F
from django.utils import timezone
from playwright.sync_api import expect

from focusmate.lib import broadcast
from rooms import services
from rooms.tests.test_e2e import FAST_SCHEDULER, LIVE, open_room, person, press, timer
from stats.models import SessionHistory
from timers.models import Timer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _no_pushes_from_the_test_process(monkeypatch):
    # As in rooms/tests/test_e2e.py: the live server pushes what the browsers see.
    monkeypatch.setattr(broadcast, "send_now", lambda group, message: None)


@FAST_SCHEDULER
def test_the_check_out_prompt_appears_at_phase_end_and_its_answer_reaches_stats_and_csv(
    live_site, new_page, alice, bob, password
):
    bob.show_checkouts = True
    bob.save()
    alice.checkout_prompt = False  # hers waits for a click
    alice.save()
    room = services.room_create(owner=alice, name="Sprint", work_minutes=1)
    services.room_join(room=room, user=bob)
    alice_page, bob_page = new_page(), new_page(viewport={"width": 390, "height": 844})
    for page, user in ((alice_page, alice), (bob_page, bob)):
        live_site.log_in(page, user, password)
        open_room(page, live_site.url, room, user)

    # Check-in: Bob's goal for the work phase, seen by Alice.
    bob_page.get_by_label("What are you working on?").fill("Fix the login bug")
    bob_page.get_by_role("button", name="Share").click()
    expect(person(alice_page, "bob").locator(".intention")).to_have_text(
        "Fix the login bug", timeout=LIVE
    )

    press(alice_page, "start")
    expect(timer(bob_page)).to_have_attribute("data-status", "running", timeout=LIVE)
    deadline = timezone.now() + timedelta(seconds=3)
    Timer.objects.filter(room=room, status="running", phase="work").update(
        ends_at=deadline,
        phase_started_at=deadline - timedelta(minutes=1),
        version=F("version") + 1,
    )

    # The phase ends: the prompt opens by itself on Bob's page, beside the running break.
    expect(timer(bob_page)).to_have_attribute("data-phase", "short_break", timeout=8_000)
    prompt = bob_page.get_by_test_id("checkout")
    expect(prompt).to_be_visible(timeout=LIVE)
    expect(prompt).to_contain_text("Did you do it?")
    expect(prompt).to_contain_text("Fix the login bug")
    expect(timer(bob_page)).to_have_attribute("data-status", "running")  # never blocks
    serious = [
        v["id"]
        for v in Axe().run(bob_page).response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]
    assert serious == []  # the open panel on a phone, as axe sees it
    # Alice chose not to be asked by itself: hers is there, closed until she clicks.
    alice_prompt = alice_page.get_by_test_id("checkout")
    expect(alice_prompt).to_be_attached(timeout=LIVE)
    expect(alice_prompt.locator("details")).not_to_have_attribute("open", "")
    expect(alice_prompt.get_by_role("button", name="Done")).to_be_hidden()

    prompt.get_by_label("Note").fill("found it in the session code")
    prompt.get_by_role("button", name="Done").click()
    expect(prompt.get_by_test_id("checkout-outcome")).to_have_text("Done", timeout=LIVE)
    row = SessionHistory.objects.get(user=bob, room=room, kind="work")
    assert (row.goal, row.outcome, row.outcome_note) == (
        "Fix the login bug",
        "done",
        "found it in the session code",
    )

    # At the break, Alice sees that Bob finished (he shows his check-outs).
    expect(person(alice_page, "bob").locator(".checked-out")).to_be_visible(timeout=LIVE)
    expect(person(alice_page, "alice").locator(".checked-out")).to_have_count(0)

    # His statistics and his CSV carry it.
    bob_page.goto(f"{live_site.url}/stats/")
    expect(bob_page.get_by_test_id("goal-completion")).to_contain_text("100%")
    goals = bob_page.get_by_test_id("recent-goals")
    expect(goals).to_contain_text("Fix the login bug")
    expect(goals).to_contain_text("Done")
    expect(goals).to_contain_text("found it in the session code")
    exported = bob_page.request.get(f"{live_site.url}/stats/export.csv?range=all")
    rows = list(csv.DictReader(io.StringIO(exported.text())))
    work = [r for r in rows if r["kind"] == "work"]
    assert [(r["goal"], r["outcome"], r["note"]) for r in work] == [
        ("Fix the login bug", "done", "found it in the session code")
    ]
