from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from achievements import services
from achievements.models import Achievement
from stats.tests.factories import SessionHistoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator(db):
    """A staff member with the full admin."""
    return UserFactory(username="mod", is_staff=True, is_superuser=True)


def test_moderators_switch_achievements_off_from_the_list(client, moderator):
    client.force_login(moderator)
    url = reverse("admin:achievements_achievement_changelist")
    achievements = list(Achievement.objects.order_by("category", "sort_order", "requirement_value"))
    form = {
        "form-TOTAL_FORMS": str(len(achievements)),
        "form-INITIAL_FORMS": str(len(achievements)),
        "_save": "Save",
    }
    for index, achievement in enumerate(achievements):
        form[f"form-{index}-id"] = str(achievement.pk)
        if achievement.slug != "streak-30":
            form[f"form-{index}-is_active"] = "on"

    assert client.get(url).status_code == 200
    response = client.post(url, form)

    assert response.status_code == 302
    assert list(Achievement.objects.filter(is_active=False).values_list("slug", flat=True)) == [
        "streak-30"
    ]


def test_moderators_add_an_achievement(client, moderator):
    client.force_login(moderator)
    form = {
        "name": "Night owl",
        "slug": "night-owl",
        "icon": "🦉",
        "description": "Complete 5 sessions.",
        "category": "sessions",
        "points": "5",
        "requirement_type": "work_sessions",
        "requirement_value": "0",
        "is_active": "on",
        "sort_order": "0",
    }
    url = reverse("admin:achievements_achievement_add")

    refused = client.post(url, form)  # a requirement of 0 would unlock for everyone

    assert refused.status_code == 200
    assert "requirement_value" in refused.context["adminform"].form.errors
    assert client.post(url, {**form, "requirement_value": "5"}).status_code == 302
    assert Achievement.objects.get(slug="night-owl").requirement_value == 5


def test_unlock_and_notification_lists_load(client, moderator, alice):
    SessionHistoryFactory(user=alice)
    services.achievements_check(user=alice, push=False)
    client.force_login(moderator)

    for name in ("achievements_userachievement", "messaging_notification"):
        response = client.get(reverse(f"admin:{name}_changelist"))
        assert response.status_code == 200
        assert "alice" in response.content.decode()
    assert client.get(reverse("admin:achievements_userachievement_add")).status_code == 403
