from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from achievements import counters
from achievements.models import Achievement
from achievements.tests.factories import AchievementFactory
from community import services

pytestmark = pytest.mark.django_db
Requirement = Achievement.Requirement
SOCIAL = [Requirement.COMMUNITY_POSTS, Requirement.COMMUNITY_COMMENTS, Requirement.LIKES_RECEIVED]


def test_the_community_counters_count_real_rows(post, alice, bob, charlie):
    comment = services.comment_create(post=post, author=alice, body="mine")
    services.comment_create(post=post, author=alice, body="deleted later")
    services.comment_delete(comment=alice.comments.last(), by=alice)
    services.post_like_toggle(post=post, user=bob)
    services.comment_like_toggle(comment=comment, user=charlie)
    services.comment_like_toggle(comment=comment, user=bob)
    with CaptureQueriesContext(connection) as captured:
        values = counters.requirement_values(user=alice, requirements=SOCIAL)
    assert values == {
        Requirement.COMMUNITY_POSTS: 1,
        Requirement.COMMUNITY_COMMENTS: 1,
        Requirement.LIKES_RECEIVED: 3,
    }
    assert len(captured) == 3  # bounded: one per count, whatever the numbers


def test_a_like_received_unlocks_a_social_achievement(
    post, alice, bob, django_capture_on_commit_callbacks
):
    first_like = AchievementFactory(
        requirement_type=Requirement.LIKES_RECEIVED,
        requirement_value=1,
        category=Achievement.Category.SOCIAL,
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.post_like_toggle(post=post, user=bob)
    assert alice.achievements.filter(achievement=first_like).exists()
