from __future__ import annotations

import pytest

from achievements import counters
from achievements.models import Achievement

SOCIAL = (
    Achievement.Requirement.COMMUNITY_POSTS,
    Achievement.Requirement.COMMUNITY_COMMENTS,
    Achievement.Requirement.LIKES_RECEIVED,
)


@pytest.fixture
def only_test_achievements(db):
    """Switches the default achievements off, so a test sees only the ones it creates."""
    Achievement.objects.update(is_active=False)


@pytest.fixture
def social_counts():
    """Stands in for the community app: set `social_counts[user.pk][requirement] = n`.

    Each fake counter costs one query, like the real ones will.
    """
    from django.db import connection

    counts: dict[int, dict[str, int]] = {}

    def counter_for(requirement: str):
        def count(user):
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            return {requirement: counts.get(user.pk, {}).get(requirement, 0)}

        return count

    originals = {
        requirement: counters.register_counter((requirement,), counter_for(requirement))
        for requirement in SOCIAL
    }
    yield counts
    for requirement, original in originals.items():
        counters.register_counter((requirement,), original)


@pytest.fixture
def pushed(monkeypatch, deliver_at_once):
    """Records the unlock toasts sent to groups, as (group, html)."""
    sent: list[tuple[str, str]] = []

    def record(group: str, payload: dict) -> None:
        if payload["type"] == "achievements.unlocked":
            sent.append((group, payload["html"]))

    monkeypatch.setattr("focusmate.lib.broadcast.send_now", record)
    return sent
