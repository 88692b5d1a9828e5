"""The dashboard in a real browser against a real server (Daphne, sockets, scheduler)."""

from __future__ import annotations

from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from playwright.sync_api import Page, expect

from accounts import services as account_services
from accounts.models import Follow
from dashboard.tests.conftest import focusing
from focusmate.lib import broadcast
from rooms import services as room_services

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LIVE = 3_000  # ms: a push over the socket must arrive within this
SCREENS = Path(settings.BASE_DIR) / "var" / "screens"


@pytest.fixture(autouse=True)
def _no_pushes_from_the_test_process(monkeypatch):
    # Scenes set up here would push to this process's own channel layer, which no
    # browser listens to; the live server pushes what the tests look at.
    monkeypatch.setattr(broadcast, "send_now", lambda group, message: None)


def open_dashboard(page: Page, site_url: str) -> None:
    """Opens the home page and waits for its socket's snapshot (parts marked pushed)."""
    page.goto(f"{site_url}/")
    expect(page.locator("#dashboard-following[data-pushed]")).to_be_attached(timeout=5_000)


def test_alice_follows_bob_and_sees_him_focusing_live(
    live_site, new_page, alice, bob, charlie, password
):
    room = room_services.room_create(owner=charlie, name="Quiet <corner>")
    alice_page, bob_page = new_page(), new_page()
    live_site.log_in(alice_page, alice, password)
    live_site.log_in(bob_page, bob, password)

    alice_page.goto(f"{live_site.url}/u/bob/")
    alice_page.get_by_role("button", name="Follow @bob").click()
    expect(alice_page.get_by_role("button", name="Following · unfollow @bob")).to_be_visible()
    assert Follow.objects.filter(follower=alice, followed=bob).exists()

    open_dashboard(alice_page, live_site.url)
    following = alice_page.locator("#dashboard-following")
    expect(following).to_contain_text("None of the 1 person you follow is focusing")

    bob_page.goto(f"{live_site.url}{room.get_absolute_url()}")
    bob_page.get_by_role("button", name="Join the room").click()
    expect(bob_page.locator("#participants li[data-user='bob']")).to_have_attribute(
        "data-online", "true", timeout=5_000
    )
    bob_page.locator("#timer button[name=action][value=start]").click()

    bob_row = following.locator("li[data-user='bob']")
    expect(bob_row).to_contain_text("bob is focusing now in Quiet <corner>", timeout=LIVE)
    assert alice_page.url == f"{live_site.url}/"  # no reload
    expect(alice_page.locator("#dashboard-rooms")).to_contain_text("Quiet <corner>")

    # One click takes Alice into the room where Bob is.
    bob_row.get_by_role("button", name="Join").click()
    alice_page.wait_for_url(f"{live_site.url}{room.get_absolute_url()}")
    expect(alice_page.locator("#participants li[data-user='alice']")).to_be_attached()

    # Bob pauses: he is no longer focusing, and Alice's other tab hears it.
    other = alice_page.context.new_page()
    open_dashboard(other, live_site.url)
    expect(other.locator("#dashboard-following li[data-user='bob']")).to_be_visible()
    bob_page.locator("#timer button[name=action][value=pause]").click()
    expect(other.locator("#dashboard-following li[data-user='bob']")).to_have_count(0, timeout=LIVE)


@pytest.mark.parametrize(
    ("device", "viewport"),
    [("phone", {"width": 390, "height": 844}), ("desktop", {"width": 1280, "height": 800})],
)
def test_the_dashboard_fits_the_screen(live_site, new_page, alice, bob, password, device, viewport):
    account_services.follow_create(follower=alice, followed=bob)
    page = new_page(viewport=viewport)
    live_site.log_in(page, alice, password)
    open_dashboard(page, live_site.url)

    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENS / f"dashboard-{device}.png", full_page=True)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the dashboard scrolls sideways by {overflow}px on a {device}"


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(("device", "viewport"), [("phone", {"width": 390, "height": 844})])
def test_the_dashboard_with_people_focusing_has_no_serious_axe_finding(
    live_site, new_page, alice, bob, charlie, password, scheme, device, viewport
):
    account_services.follow_create(follower=alice, followed=bob)
    account_services.follow_create(follower=alice, followed=charlie)
    focusing(bob, room_services.room_create(owner=bob, name="Open desk"))
    focusing(charlie, room_services.room_create(owner=charlie, name="Den", is_public=False))
    page = new_page(color_scheme=scheme, viewport=viewport)
    live_site.log_in(page, alice, password)
    open_dashboard(page, live_site.url)
    expect(page.locator("#dashboard-following li")).to_have_count(2)

    results = Axe().run(page)

    found = [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes'][:3]]}"
        for v in results.response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]
    assert found == []
