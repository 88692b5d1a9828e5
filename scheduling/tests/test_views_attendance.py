"""The owners' attendance page of a session."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from scheduling.tests.factories import BookingFactory, ScheduledSessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(room, bob):
    """A session of Alice's room, marked: Bob came, Dana did not, Erin cancelled."""
    starts_at = timezone.now() - timedelta(hours=1)
    session = ScheduledSessionFactory(
        room=room, starts_at=starts_at, title="<b>Writing</b>", attendance_marked_at=starts_at
    )
    BookingFactory(session=session, user=bob, attended=True)
    BookingFactory(session=session, user=UserFactory(username="dana"), attended=False)
    BookingFactory(
        session=session,
        user=UserFactory(username="erin"),
        cancelled_at=starts_at - timedelta(minutes=5),
        cancelled_late=True,
    )
    return session


def _url(session) -> str:
    return reverse("scheduling_attendance:session", kwargs={"session_id": session.pk})


@pytest.mark.parametrize(
    ("persona", "status"),
    [("alice", 200), ("moderator", 200), ("bob", 404), ("charlie", 404), (None, 302)],
)
def test_only_the_rooms_owner_and_moderators_see_it(client, request, session, persona, status):
    if persona:
        client.force_login(request.getfixturevalue(persona))

    response = client.get(_url(session))

    assert response.status_code == status


def test_it_lists_who_came_who_did_not_and_who_cancelled(client, alice, session):
    client.force_login(alice)

    page = client.get(_url(session)).content.decode()

    assert 'data-testid="attendance-total">1 of 2</strong>' in page
    assert 'data-user="bob" data-attended="yes"' in page
    assert 'data-user="dana" data-attended="no"' in page
    assert 'data-user="erin" data-attended="cancelled"' in page
    assert "&lt;b&gt;Writing&lt;/b&gt;" in page and "<b>Writing</b>" not in page


@pytest.mark.parametrize("seats", [3, 60])
def test_it_costs_the_same_queries_for_3_or_60_seats(
    client, alice, room, seats, django_assert_num_queries
):
    session = ScheduledSessionFactory(room=room, capacity=100)
    for _ in range(seats):
        BookingFactory(session=session, user=UserFactory())
    client.force_login(alice)

    # session, user; the session with its room; its bookings with their people
    with django_assert_num_queries(4):
        response = client.get(_url(session))

    assert response.status_code == 200
    assert response.content.decode().count("data-attended=") == seats


def test_an_unknown_session_or_a_post_is_refused_cleanly(client, alice, session):
    client.force_login(alice)

    assert client.get("/schedule/sessions/999999/attendance/").status_code == 404
    assert client.post(_url(session)).status_code == 405


def test_it_reads_on_a_phone(client, alice, session):
    client.force_login(alice)

    page = client.get(_url(session)).content.decode()

    assert 'name="viewport"' in page and 'class="narrow stack"' in page


def test_the_session_page_links_it_for_the_owner_only_once_it_started(client, alice, bob, session):
    page = reverse("scheduling:session", kwargs={"session_id": session.pk})
    upcoming = ScheduledSessionFactory(room=session.room)
    client.force_login(alice)

    assert f'href="{_url(session)}"' in client.get(page).content.decode()
    upcoming_page = reverse("scheduling:session", kwargs={"session_id": upcoming.pk})
    assert "Who came" not in client.get(upcoming_page).content.decode()

    client.force_login(bob)
    assert "Who came" not in client.get(page).content.decode()
