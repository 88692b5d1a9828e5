from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from accounts.tests.factories import UserFactory
from community import services
from community.models import Category

MODERATION_PERMISSIONS = importlib.import_module(
    "moderation.migrations.0002_moderators_group"
).PERMISSIONS
COMMUNITY_PERMISSIONS = importlib.import_module(
    "community.migrations.0002_defaults"
).MODERATOR_PERMISSIONS


@pytest.fixture
def general(db) -> Category:
    """The "General" category the data migration makes (again after a flush)."""
    return Category.objects.get_or_create(slug="general", defaults={"name": "General"})[0]


@pytest.fixture
def mod(db):
    """Morgan is staff in the "Moderators" group: a moderator, not a superuser."""
    user = UserFactory(username="morgan", is_staff=True)
    user.groups.add(moderators_group())
    return user


def moderators_group() -> Group:
    """The group the migrations make (made again when a transactional test flushed it)."""
    group, created = Group.objects.get_or_create(name="Moderators")
    if created:
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="moderation", codename__in=MODERATION_PERMISSIONS
            ),
            *Permission.objects.filter(
                content_type__app_label="community", codename__in=COMMUNITY_PERMISSIONS
            ),
        )
    return group


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
