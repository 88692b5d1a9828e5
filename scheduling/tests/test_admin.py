"""Moderators see the schedule in the admin and cancel a session; everyone booked is told."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from accounts.tests.factories import UserFactory
from messaging.models import Notification
from scheduling import bookings, preferences, services

pytestmark = pytest.mark.django_db

START = datetime(2026, 1, 6, 9, 0, tzinfo=UTC)


@pytest.fixture
def group_moderator(db):
    """Staff in the "Moderators" group: not a superuser."""
    person = UserFactory(username="groupmod", is_staff=True)
    # The data migration makes the group; a transactional test elsewhere may have emptied it.
    group, _ = Group.objects.get_or_create(name="Moderators")
    group.permissions.add(
        Permission.objects.get(content_type__app_label="moderation", codename="change_report")
    )
    person.groups.add(group)
    return person


@pytest.fixture
def session(frozen, shared_room, alice, bob):
    session = services.session_create(room=shared_room, by=alice, starts_at=START)
    bookings.booking_create(session=session, user=bob)
    return session


@pytest.mark.parametrize("who", ["moderator", "group_moderator"])
def test_moderators_see_sessions_and_cancel_one(client, session, bob, request, who):
    client.force_login(request.getfixturevalue(who))
    changelist = reverse("admin:scheduling_scheduledsession_changelist")

    page = client.get(changelist)
    response = client.post(
        changelist, {"action": "cancel_sessions", "_selected_action": [session.pk]}
    )

    assert page.status_code == 200
    assert list(page.context["cl"].result_list) == [session]
    assert page.context["cl"].result_list[0].booked_count == 1
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.is_cancelled
    assert Notification.objects.filter(user=bob, text__contains="was cancelled").exists()


def test_the_session_admin_is_read_only(client, moderator, session):
    client.force_login(moderator)

    post = client.post(
        reverse("admin:scheduling_scheduledsession_change", args=[session.pk]), {"capacity": 1}
    )

    assert post.status_code == 403


def test_staff_who_are_not_moderators_see_nothing(client, session):
    staff = UserFactory(username="staffer", is_staff=True)
    client.force_login(staff)

    assert client.get(reverse("admin:scheduling_scheduledsession_changelist")).status_code == 403


def test_the_feed_token_is_not_shown_in_the_admin(client, moderator, bob):
    settings_row = preferences.preferences_for(user=bob)
    client.force_login(moderator)

    url = reverse("admin:scheduling_schedulepreferences_change", args=[settings_row.pk])
    page = client.get(url)

    assert settings_row.feed_token not in page.content.decode()
