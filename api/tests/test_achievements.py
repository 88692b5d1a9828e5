"""Achievements through the API: the check unlocks what was earned, once."""

from __future__ import annotations

import pytest

from achievements.models import UserAchievement

pytestmark = pytest.mark.django_db


def test_the_check_unlocks_what_was_earned_and_is_idempotent(api_as, bob, room):
    # Bob joined Alice's room; the after-commit check never ran inside this test's
    # transaction, so "Say hello" is earned but not unlocked yet.
    client = api_as(bob)
    first = client.call("POST", f"achievements/user/{bob.pk}/check")
    assert first.status_code == 200
    assert [u["achievement"]["slug"] for u in first.json()] == ["first-room"]
    second = client.call("POST", f"achievements/user/{bob.pk}/check")
    assert second.json() == []
    assert UserAchievement.objects.filter(user=bob).count() == 1
    shown = client.call("GET", f"achievements/user/{bob.pk}").json()
    assert [u["achievement"]["slug"] for u in shown["unlocked"]] == ["first-room"]
    assert shown["points"] == 5


def test_progress_counts_toward_each_achievement(api_as, bob, room):
    progress = api_as(bob).call("GET", f"achievements/user/{bob.pk}/progress").json()
    by_slug = {item["achievement"]["slug"]: item for item in progress}
    assert by_slug["first-room"]["current"] == 1
    assert by_slug["rooms-5"] == {
        **by_slug["rooms-5"],
        "current": 1,
        "required": 5,
        "progress": 1,
        "progress_percentage": 20.0,
        "is_unlocked": False,
    }


def test_an_unlocked_achievement_shows_full_progress(api_as, bob, room):
    """The page's rule: an unlocked bar stays full."""
    client = api_as(bob)
    client.call("POST", f"achievements/user/{bob.pk}/check")
    progress = client.call("GET", f"achievements/user/{bob.pk}/progress").json()
    first_room = next(item for item in progress if item["achievement"]["slug"] == "first-room")
    assert first_room["is_unlocked"] is True
    assert first_room["progress_percentage"] == 100.0
    assert isinstance(first_room["unlocked_at"], str)


def test_the_check_takes_the_originals_body_but_only_for_yourself(api_as, alice, bob, room):
    client = api_as(bob)
    path = f"achievements/user/{bob.pk}/check"
    assert client.call("POST", path, {"user_id": str(bob.pk)}).status_code == 200
    assert client.call("POST", path, {"user_id": bob.pk}).status_code == 200
    assert client.call("POST", path, {"user_id": str(alice.pk)}).status_code == 403
    assert client.call("POST", path, {"user_id": "bob"}).status_code == 422


def test_an_unknown_category_is_422(api_as, bob):
    assert api_as(bob).call("GET", "achievements/category/nonsense").status_code == 422


def test_a_category_lists_only_its_achievements(api_as, bob):
    listed = api_as(bob).call("GET", "achievements/category/social").json()
    assert listed
    assert {a["category"] for a in listed} == {"social"}


def test_a_moderators_new_achievement_is_listed(api_as, moderator, bob):
    created = api_as(moderator).call(
        "POST",
        "achievements/",
        {
            "slug": "marathon",
            "name": "Marathon",
            "description": "Fifty sessions",
            "icon": "🏃",
            "category": "sessions",
            "requirement_type": "work_sessions",
            "requirement_value": 50,
        },
    )
    assert created.status_code == 201
    slugs = [a["slug"] for a in api_as(bob).call("GET", "achievements/").json()]
    assert "marathon" in slugs
