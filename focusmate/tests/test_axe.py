"""axe-core over every page type, light and dark, desktop and a 390 px phone.

The site must have no serious or critical violation anywhere (issue #25). axe-core is
the copy packaged in `axe-playwright-python` (tests only: the site loads no CDN and
no axe). One test per colour scheme and screen, each over the same list of pages with
data: someone's room with a running timer, a solo room, a post with a comment, a
conversation, a week of history, the API docs, allauth's pages and an error page.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import expect

from community import services as community_services
from community.models import Category
from messaging import services as messaging_services
from rooms import services as room_services
from stats.models import SessionHistory
from stats.tests.factories import SessionHistoryFactory
from timers import services as timer_services

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FAILING_IMPACTS = {"serious", "critical"}
SCREENS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}

ANONYMOUS_PAGES = [
    "/",
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/community/",
    "/u/bob/",
    "/api/v1/docs",
    "/no-such-page/",
]


@pytest.fixture
def site_with_data(live_site, alice, bob):
    """Every kind of page has something on it."""
    from focusmate.lib import broadcast

    broadcast_send = broadcast.send_now
    broadcast.send_now = lambda group, message: None  # no browser listens to this process
    try:
        room = room_services.room_create(owner=alice, name="Thesis writing", work_minutes=25)
        room_services.room_join(room=room, user=bob)
        room_services.participant_set_intention(room=room, user=bob, intention="Chapter 3")
        timer_services.timer_command(room=room, by=alice, action="start")
        private = room_services.room_create(owner=alice, name="Secret lab", is_public=False)
        solo = room_services.solo_room_for(user=alice)
        messaging_services.chat_post(room=room, by=bob, body="Hello room")
        now = timezone.now()
        sessions = [
            SessionHistoryFactory(user=alice, room=room, ended_at=now - timedelta(days=days))
            for days in range(6)
        ]
        # Goals, one checked out: the recent goals on /stats/ and the check-out page.
        SessionHistory.objects.filter(pk=sessions[0].pk).update(
            goal="Chapter 2", outcome="done", outcome_note="All of it"
        )
        SessionHistory.objects.filter(pk=sessions[1].pk).update(goal="Chapter 1")
        category = Category.objects.get_or_create(slug="general", defaults={"name": "General"})[0]
        Category.objects.get_or_create(slug="study", defaults={"name": "Study"})
        post = community_services.post_create(
            author=bob, category=category, title="How do you focus?", body="Tips **welcome**."
        )
        comment = community_services.comment_create(post=post, author=alice, body="Pomodoros!")
        message = messaging_services.message_send(sender=alice, recipient=bob, body="Hi Bob")
        messaging_services.message_send(sender=bob, recipient=alice, body="Hi Alice")
        messaging_services.notify(user=alice, text="Bob replied", url=post.get_absolute_url())
    finally:
        broadcast.send_now = broadcast_send
    pages = [
        "/",
        "/rooms/",
        "/rooms/new/",
        f"/rooms/{room.pk}/",
        f"/rooms/{room.pk}/edit/",
        f"/rooms/{private.pk}/",
        "/rooms/solo/",
        f"/rooms/{solo.pk}/",
        "/stats/",
        "/stats/?range=7",
        "/stats/leaderboard/",
        f"/stats/checkout/{room.pk}/{sessions[0].seq}/",
        f"/stats/checkout/{room.pk}/{sessions[1].seq}/",
        "/achievements/",
        "/community/",
        "/community/new/",
        f"/community/posts/{post.pk}/",
        f"/community/posts/{post.pk}/report/",
        f"/community/comments/{comment.pk}/edit/",
        "/notifications/",
        "/messages/",
        "/messages/bob/",
        f"/messages/m/{message.pk}/edit/",
        "/u/alice/",
        "/u/bob/",
        "/settings/profile/",
        "/settings/alerts/",
        "/accounts/email/",
        "/accounts/password/change/",
        "/api/v1/docs",
    ]
    return live_site, pages


# Where Tab lands, as the person sees it: a Tab stop must be on screen, of some size and
# visible, and show a focus ring (an outline or a box shadow), on itself or on the label
# that draws it.
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const looks = (node) => {
    const rect = node.getBoundingClientRect();
    const style = getComputedStyle(node);
    return {
      shown: rect.width > 1 && rect.height > 1
        && style.visibility !== "hidden" && style.opacity !== "0",
      ring: (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0)
        || style.boxShadow !== "none",
    };
  };
  let seen = looks(el);
  // A control drawn by its label (the phone menu's checkbox is its ☰ label).
  for (const label of el.labels || []) {
    if (!seen.shown || !seen.ring) {
      const drawn = looks(label);
      if (drawn.shown && drawn.ring) seen = drawn;
    }
  }
  const name = (el.getAttribute("aria-label") || el.innerText || el.value || "").trim();
  const tag = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "");
  const where = tag + " " + JSON.stringify(name.slice(0, 30));
  return { where, shown: seen.shown, ring: seen.ring };
}"""
TAB_STOPS_AT_MOST = 80  # a page with more is walked that far


def _invisible_tab_stops(page, url: str) -> list[str]:
    page.locator("body").focus()
    found = []
    seen = set()
    for _ in range(TAB_STOPS_AT_MOST):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None or focused["where"] in seen:
            break  # out of the page, or round again
        seen.add(focused["where"])
        if not (focused["shown"] and focused["ring"]):
            found.append(f"{url}: Tab stop {focused}")
    return found


def _violations(page, url: str) -> list[str]:
    results = Axe().run(page)
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] not in FAILING_IMPACTS:
            continue
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:3]]
        found.append(
            f"{url}: {violation['id']} ({violation['impact']}, {len(violation['nodes'])} nodes)"
            f" {targets} {violation['nodes'][0].get('failureSummary', '')[:300]!r}"
        )
    return found


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("screen", sorted(SCREENS))
def test_no_page_has_a_serious_accessibility_violation(
    site_with_data, new_page, alice, password, scheme, screen
):
    site, pages = site_with_data
    found: list[str] = []

    stranger = new_page(color_scheme=scheme, viewport=SCREENS[screen])
    for url in ANONYMOUS_PAGES:
        stranger.goto(site.url + url)
        found += _violations(stranger, f"(anonymous) {url}")

    page = new_page(color_scheme=scheme, viewport=SCREENS[screen])
    site.log_in(page, alice, password)
    # The phone menu's checkbox is no invisible Tab stop on a desktop.
    toggle = page.locator("#nav-toggle")
    if screen == "desktop":
        expect(toggle).to_be_hidden()
    else:
        expect(page.locator("label[for=nav-toggle]")).to_be_visible()
    for url in pages:
        response = page.goto(site.url + url)
        assert response.status < 500, f"{url} answered {response.status}"
        found += _violations(page, url)
        # Nothing sticks out sideways (a page that scrolls sideways on a phone is broken).
        if page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
            found.append(f"{url}: wider than the {screen} screen")
        if scheme == "light":
            found += _invisible_tab_stops(page, url)

    assert found == [], f"{len(found)} serious/critical findings:\n" + "\n".join(found)
