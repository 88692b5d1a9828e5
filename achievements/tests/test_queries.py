from __future__ import annotations

import pytest
from django.template.loader import render_to_string

from achievements import queries, services
from achievements.models import Achievement
from stats.tests.factories import SessionHistoryFactory

pytestmark = pytest.mark.django_db


def test_profile_achievements_lists_active_unlocks_with_points_in_one_query(
    alice, bob, django_assert_num_queries
):
    SessionHistoryFactory.create_batch(3, user=alice)  # first-session and focus-1h
    SessionHistoryFactory(user=bob)
    services.achievements_check(user=alice, push=False)
    services.achievements_check(user=bob, push=False)
    Achievement.objects.filter(slug="focus-1h").update(is_active=False)

    with django_assert_num_queries(1):
        shown = queries.profile_achievements(user=alice)
        slugs = [unlock.achievement.slug for unlock in shown.unlocks]

    assert slugs == ["first-session"]
    assert shown.points == 10
    assert queries.user_points(user=alice) == 10


def test_profile_badges_partial_renders_for_the_owner_and_visitors(alice, bob):
    SessionHistoryFactory(user=alice)
    services.achievements_check(user=alice, push=False)
    context = {"profile_achievements": queries.profile_achievements(user=alice), "shown": alice}

    as_owner = render_to_string("achievements/_profile_badges.html", {**context, "user": alice})
    as_visitor = render_to_string("achievements/_profile_badges.html", {**context, "user": bob})

    assert "🌱" in as_owner and "First focus" in as_owner and "10 pts" in as_owner
    assert "Your progress" in as_owner and "Your progress" not in as_visitor
    assert "First focus" in as_visitor
