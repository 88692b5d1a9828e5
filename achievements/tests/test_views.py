from __future__ import annotations

import re
from datetime import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from achievements import services
from achievements.models import Achievement
from achievements.tests.factories import AchievementFactory, ParticipantFactory
from stats.tests.factories import SessionHistoryFactory

pytestmark = pytest.mark.django_db

INDEX = reverse("achievements:index")

# session, user, achievements with the user's unlock dates, then one per source in use:
# session totals, streak days, rooms joined, and the forum's posts, comments, likes received.
INDEX_QUERIES = 9


def card(body: str, slug: str) -> str:
    match = re.search(rf'<li id="{slug}".*?</li>', body, re.S)
    assert match, f"no card for {slug}"
    return match.group(0)


def test_the_page_needs_a_login(client):
    response = client.get(INDEX)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_index_shows_progress_unlock_dates_and_points(
    client, alice, django_assert_num_queries, time_machine
):
    time_machine.move_to(datetime(2026, 4, 2, 22, 30, tzinfo=timezone.UTC), tick=False)
    SessionHistoryFactory.create_batch(12, user=alice)
    ParticipantFactory(user=alice)
    # Unlocks first-session (10 points), sessions-10 (20), focus-1h (10) and first-room (5).
    services.achievements_check(user=alice)
    client.force_login(alice)

    with django_assert_num_queries(INDEX_QUERIES):
        response = client.get(INDEX)

    body = response.content.decode()
    assert response.status_code == 200
    assert "<strong>45</strong> points" in body
    first = card(body, "first-session")
    assert "First focus" in first and "is-unlocked" in first
    # 22:30 UTC is already 3 April in Berlin (CEST), where Alice lives.
    assert "Unlocked <time" in first and "3 Apr 2026" in first
    fifty = card(body, "sessions-50")
    assert '<progress value="12" max="50"' in fifty
    assert "12 / 50 sessions" in fifty and "Locked" in fifty
    assert "300 / 60 minutes" in card(body, "focus-1h")
    assert "0 / 1 posts" in card(body, "first-post")
    assert body.index("category-sessions") < body.index("category-social")


def test_index_costs_the_same_with_many_achievements_and_unlocks(
    client, alice, django_assert_num_queries
):
    AchievementFactory.create_batch(40, requirement_value=1)
    SessionHistoryFactory.create_batch(3, user=alice)
    services.achievements_check(user=alice)
    client.force_login(alice)

    with django_assert_num_queries(INDEX_QUERIES):
        response = client.get(INDEX)

    # The 40 new ones, first-session and focus-1h (75 minutes).
    assert response.content.decode().count('class="card achievement is-unlocked"') == 42


def test_index_hides_inactive_achievements_and_their_points(client, alice):
    SessionHistoryFactory(user=alice)
    services.achievements_check(user=alice)
    Achievement.objects.filter(slug="first-session").update(is_active=False)
    client.force_login(alice)

    body = client.get(INDEX).content.decode()

    assert 'id="first-session"' not in body
    assert "<strong>0</strong> points" in body


def test_index_shows_only_my_unlocks(client, alice, bob):
    SessionHistoryFactory(user=bob)
    services.achievements_check(user=bob)
    client.force_login(alice)

    body = client.get(INDEX).content.decode()

    assert "is-unlocked" not in body
    assert "<strong>0</strong> points" in body


def test_index_escapes_achievement_text(client, alice):
    AchievementFactory(name="<b>bold</b>", description="<img src=x onerror=alert(1)>")
    client.force_login(alice)

    body = client.get(INDEX).content.decode()

    assert "<b>bold</b>" not in body and "&lt;b&gt;bold&lt;/b&gt;" in body
    assert "<img src=x" not in body


def test_nav_loads_the_bell_lazily_for_logged_in_users_only(client, alice):
    body = client.get(reverse("home")).content.decode()
    assert INDEX not in body and "notifications-bell" not in body

    client.force_login(alice)
    body = client.get(reverse("home")).content.decode()

    assert f'<a href="{INDEX}">Achievements</a>' in body
    assert f'hx-get="{reverse("messaging:badge")}" hx-trigger="load"' in body
