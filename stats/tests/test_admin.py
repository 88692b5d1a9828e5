from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from stats.tests.factories import SessionHistoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator(db):
    """A staff member with the full admin."""
    return UserFactory(username="mod", is_staff=True, is_superuser=True)


def test_admin_lists_and_searches_history_by_username(client, moderator, alice, bob, room):
    mine = SessionHistoryFactory(user=alice, room=room)
    SessionHistoryFactory(user=bob, room=room)
    client.force_login(moderator)

    response = client.get(reverse("admin:stats_sessionhistory_changelist"), {"q": "alice"})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [mine]


def test_admin_history_is_read_only(client, moderator, alice, room):
    row = SessionHistoryFactory(user=alice, room=room)
    client.force_login(moderator)

    add = client.get(reverse("admin:stats_sessionhistory_add"))
    change = client.post(
        reverse("admin:stats_sessionhistory_change", args=[row.pk]), {"seconds_credited": 9}
    )
    delete = client.post(
        reverse("admin:stats_sessionhistory_delete", args=[row.pk]), {"post": "yes"}
    )

    assert add.status_code == 403
    assert change.status_code == 403
    assert delete.status_code == 403
    row.refresh_from_db()
    assert row.seconds_credited == 1500
