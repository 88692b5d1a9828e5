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

    assert found == [], f"{len(found)} serious/critical findings:\n" + "\n".join(found)
