from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_admin_lists_and_searches_users(client, moderator, alice, bob):
    client.force_login(moderator)

    response = client.get(reverse("admin:accounts_user_changelist"), {"q": "alice"})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [alice]


def test_admin_action_deactivates_users(client, moderator, alice, bob):
    client.force_login(moderator)

    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "deactivate_users", "_selected_action": [alice.pk, moderator.pk]},
    )

    assert response.status_code == 302
    alice.refresh_from_db()
    bob.refresh_from_db()
    moderator.refresh_from_db()
    assert not alice.is_active
    assert bob.is_active
    assert moderator.is_active  # a moderator cannot ban themselves


def test_a_member_cannot_reach_the_admin(client, alice):
    client.force_login(alice)

    response = client.get(reverse("admin:accounts_user_changelist"))

    assert response.status_code == 302
    assert "login" in response["Location"]
