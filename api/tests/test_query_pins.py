"""Every list endpoint costs a fixed number of queries, whatever the data size.

The first query of each request is the token with its user."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from achievements.models import Achievement, UserAchievement
from rooms.tests.factories import ParticipantFactory, RoomFactory
from stats.models import SessionHistory

pytestmark = pytest.mark.django_db


def _sessions(user, room, count: int) -> None:
    now = timezone.now()
    SessionHistory.objects.bulk_create(
        SessionHistory(
            user=user,
            room=room,
            kind="work",
            seq=n + 1,
            started_at=now - timedelta(hours=n, minutes=25),
            ended_at=now - timedelta(hours=n),
            seconds_credited=1500,
        )
        for n in range(count)
    )


@pytest.mark.parametrize("rooms", [1, 25])
def test_room_list(api_as, bob, django_assert_num_queries, rooms):
    for _ in range(rooms):
        ParticipantFactory(room=RoomFactory(), user=UserFactory())
    client = api_as(bob)
    with django_assert_num_queries(2):  # token, rooms with owner, timer and head count
        response = client.call("GET", "rooms/")
    assert len(response.json()) == min(rooms, 20)


@pytest.mark.parametrize("people", [0, 30])
def test_people_in_a_room(api_as, bob, room, django_assert_num_queries, people):
    for _ in range(people):
        ParticipantFactory(room=room, user=UserFactory())
    client = api_as(bob)
    with django_assert_num_queries(3):  # token, the room with my membership, the people
        response = client.call("GET", f"participants/{room.pk}")
    assert response.json()["count"] == people + 2


@pytest.mark.parametrize("path", ["achievements/", "achievements/category/sessions"])
def test_achievement_lists(api_as, bob, django_assert_num_queries, path):
    client = api_as(bob)
    with django_assert_num_queries(2):
        response = client.call("GET", path)
    assert len(response.json()) >= 1


@pytest.mark.parametrize("unlocked", [0, 10])
def test_a_persons_achievements(api_as, alice, bob, django_assert_num_queries, unlocked):
    for achievement in Achievement.objects.all()[:unlocked]:
        UserAchievement.objects.create(user=alice, achievement=achievement)
    client = api_as(bob)
    with django_assert_num_queries(3):  # token, the person, their unlocks
        response = client.call("GET", f"achievements/user/{alice.pk}")
    assert len(response.json()["unlocked"]) == unlocked
    # progress: token, the person, the achievements, then one query per requirement
    # source in use (sessions, streak days, rooms, and the forum's posts, comments, likes)
    with django_assert_num_queries(9):
        progress = client.call("GET", f"achievements/user/{alice.pk}/progress")
    assert sum(item["is_unlocked"] for item in progress.json()) == unlocked


@pytest.mark.parametrize("sessions", [0, 40])
def test_statistics(api_as, alice, bob, room, django_assert_num_queries, sessions):
    _sessions(alice, room, sessions)
    client = api_as(bob)
    # token, the person, the period's totals, the streak's days, the daily series
    with django_assert_num_queries(5):
        response = client.call("GET", f"stats/user/{alice.pk}?days=7")
    assert len(response.json()["daily"]) == 7
    assert response.json()["work_sessions"] == sessions


def test_timer_state(api_as, bob, room, django_assert_num_queries):
    client = api_as(bob)
    with django_assert_num_queries(2):  # token, the room with my membership and its timer
        response = client.call("GET", f"timer/{room.pk}")
    assert response.json()["status"] == "idle"


@pytest.mark.parametrize("posts", [2, 30])
def test_post_list(api_as, bob, django_assert_num_queries, posts):
    from community.models import Category, Post

    general = Category.objects.get(slug="general")
    Post.objects.bulk_create(
        Post(author=UserFactory(), category=general, title=f"P{n}", body="b", body_html="b")
        for n in range(posts)
    )
    client = api_as(bob)
    with django_assert_num_queries(2):  # the token with its user; the page of posts
        assert len(client.call("GET", "community/posts?limit=50").json()) == posts


@pytest.mark.parametrize("comments", [2, 60])
def test_comment_tree(api_as, alice, bob, django_assert_num_queries, comments):
    from community import services
    from community.models import Category, Comment

    post = services.post_create(
        author=alice, category=Category.objects.get(slug="general"), title="T", body="b"
    )
    Comment.objects.bulk_create(
        Comment(post=post, author=alice, body="c", body_html="<p>c</p>") for _ in range(comments)
    )
    client = api_as(bob)
    with django_assert_num_queries(3):  # the token; the post; its comments
        assert len(client.call("GET", f"community/posts/{post.pk}/comments").json()) == comments


@pytest.mark.parametrize("conversations", [2, 30])
def test_conversation_list(api_as, bob, django_assert_num_queries, conversations):
    from messaging.services import message_send

    for sender in UserFactory.create_batch(conversations):
        message_send(sender=sender, recipient=bob, body="hello")
    client = api_as(bob)
    with django_assert_num_queries(3):  # the token; the page's ids; its rows and counts
        assert len(client.call("GET", "messages/conversations?limit=50").json()) == conversations


@pytest.mark.parametrize("messages", [1, 30])
def test_a_conversation(api_as, alice, bob, django_assert_num_queries, messages):
    from messaging.models import Message
    from messaging.services import message_send

    sent = message_send(sender=alice, recipient=bob, body="hello")
    Message.objects.bulk_create(
        Message(conversation_id=sent.conversation_id, sender=sender, body="more")
        for sender in [alice, bob] * ((messages - 1) // 2) + [alice] * ((messages - 1) % 2)
    )
    client = api_as(bob)
    # the token; my side of it; its inbox row (the other person, the last message, my
    # unread); the messages; both read states (for each message's `is_read`)
    with django_assert_num_queries(5):
        answer = client.call("GET", f"messages/conversations/{sent.conversation_id}").json()
    assert len(answer["messages"]) == messages
