from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.tests.factories import UserFactory
from community import services
from community.models import Category


@pytest.fixture
def general(db) -> Category:
    """The "General" category the data migration makes."""
    return Category.objects.get(slug="general")


@pytest.fixture
def mod(db):
    """Morgan is staff in the "Moderators" group: a moderator, not a superuser."""
    user = UserFactory(username="morgan", is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    return user


@pytest.fixture
def veteran(db):
    """Vera's account is a month old (the looser rate limits)."""
    return UserFactory(username="vera", date_joined=timezone.now() - timedelta(days=30))


@pytest.fixture
def post(alice, general):
    """Alice's post in General."""
    return services.post_create(
        author=alice, category=general, title="How I plan my week", body="I use **blocks**."
    )


@pytest.fixture
def comment(post, bob):
    """Bob's comment on Alice's post."""
    return services.comment_create(post=post, author=bob, body="Nice, thanks!")
