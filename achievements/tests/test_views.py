from __future__ import annotations

import re
from datetime import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from achievements import services
from achievements.models import Achievement, Notification
from achievements.tests.factories import AchievementFactory, ParticipantFactory
from stats.tests.factories import SessionHistoryFactory

pytestmark = pytest.mark.django_db

INDEX = reverse("achievements:index")
NOTIFICATIONS = reverse("achievements:notifications")
BADGE = reverse("achievements:badge")

# session, user, achievements with the user's unlock dates, then one per source in use:
# session totals, streak days, rooms joined (the community sources count 0 without a query).
INDEX_QUERIES = 6


def card(body: str, slug: str) -> str:
    match = re.search(rf'<li id="{slug}".*?</li>', body, re.S)
    assert match, f"no card for {slug}"
    return match.group(0)


@pytest.mark.parametrize("url", [INDEX, NOTIFICATIONS])
def test_pages_need_a_login(client, url):
    response = client.get(url)

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


def test_notifications_list_mine_newest_first_and_marks_them_read(
    client, alice, bob, django_assert_num_queries
):
    Notification.objects.create(user=alice, text="Old one", created_at=timezone.now())
    Notification.objects.create(user=alice, text="New one", created_at=timezone.now())
    Notification.objects.create(user=bob, text="Bob's")
    client.force_login(alice)

    # session, user, the list, then the mark-read update inside its savepoint.
    with django_assert_num_queries(6):
        response = client.get(NOTIFICATIONS)

    body = response.content.decode()
    assert body.index("New one") < body.index("Old one")
    assert "Bob&#x27;s" not in body and "Bob's" not in body
    assert body.count("notification-new") >= 2  # shown as new on this visit
    assert not Notification.objects.filter(user=alice, read_at__isnull=True).exists()
    assert Notification.objects.get(user=bob).read_at is None

    assert "notification-new" not in client.get(NOTIFICATIONS).content.decode().split("<main")[1]


def test_notifications_page_says_when_there_are_none(client, charlie):
    client.force_login(charlie)

    response = client.get(NOTIFICATIONS)

    assert 'data-testid="notifications-empty"' in response.content.decode()


def test_badge_shows_my_unread_count(client, alice, bob, django_assert_num_queries):
    Notification.objects.create(user=alice, text="One")
    Notification.objects.create(user=alice, text="Two")
    Notification.objects.create(user=alice, text="Read", read_at=timezone.now())
    Notification.objects.create(user=bob, text="Bob's")
    client.force_login(alice)

    with django_assert_num_queries(3):  # session, user, count
        response = client.get(BADGE, headers={"HX-Request": "true"})

    body = response.content.decode()
    assert '<span class="bell-count" data-testid="unread-count">2</span>' in body
    assert "hx-get" not in body  # the answer does not load itself again
    assert response["Cache-Control"] == "no-store"


def test_badge_without_unread_shows_no_count(client, charlie):
    client.force_login(charlie)

    body = client.get(BADGE).content.decode()

    assert 'id="notifications-bell"' in body and "bell-count" not in body


def test_badge_for_a_logged_out_page_swaps_nothing(client):
    assert client.get(BADGE).status_code == 204


def test_badge_and_pages_refuse_posts(client, alice):
    client.force_login(alice)

    assert client.post(BADGE).status_code == 405
    assert client.post(INDEX).status_code == 405


def test_nav_loads_the_bell_lazily_for_logged_in_users_only(client, alice):
    body = client.get(reverse("home")).content.decode()
    assert INDEX not in body and "notifications-bell" not in body

    client.force_login(alice)
    body = client.get(reverse("home")).content.decode()

    assert f'<a href="{INDEX}">Achievements</a>' in body
    assert f'hx-get="{BADGE}" hx-trigger="load"' in body
