"""The home page: a stranger's welcome, a logged-in person's dashboard."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts import services as account_services
from accounts.models import FocusVisibility
from accounts.tests.factories import UserFactory
from dashboard.queries import following_panel, live_rooms
from dashboard.tests.conftest import focusing
from rooms import services as room_services
from rooms.models import Presence

pytestmark = pytest.mark.django_db

HOME = "/"


def test_a_stranger_sees_the_welcome_page(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        body = client.get(HOME).content.decode()

    assert "Sign up" in body
    assert 'ws-connect="/ws/dashboard/"' not in body


def test_a_logged_in_person_sees_their_day(client, alice, bobs_room):
    room_services.room_join(room=bobs_room, user=alice)
    room_services.participant_set_intention(room=bobs_room, user=alice, intention="Ch. <3>")
    client.force_login(alice)

    body = client.get(HOME).content.decode()

    assert 'ws-connect="/ws/dashboard/"' in body
    assert 'data-testid="today-minutes">0<' in body
    assert 'data-testid="today-streak">0<' in body
    assert "Ch. &lt;3&gt;" in body  # the goal, escaped
    assert "You don't follow anyone yet" in body


def _follow(follower, followed):
    account_services.follow_create(follower=follower, followed=followed)


def test_the_following_panel_shows_who_is_focusing_and_where(client, alice, bob, bobs_room):
    _follow(alice, bob)
    focusing(bob, bobs_room)
    client.force_login(alice)

    body = client.get(HOME).content.decode()

    assert 'data-user="bob"' in body
    assert "Bob&#x27;s &lt;desk&gt;" in body
    assert reverse("rooms:join", args=[bobs_room.pk]) in body


def test_nobody_shows_unless_focusing(alice, bob, bobs_room):
    _follow(alice, bob)
    focusing(bob, bobs_room, start=False)  # online, but the timer is idle

    assert following_panel(viewer=alice).focusing == []


def test_someone_whose_socket_closed_is_not_focusing(alice, bob, bobs_room):
    _follow(alice, bob)
    focusing(bob, bobs_room)
    Presence.objects.filter(user=bob).delete()

    assert following_panel(viewer=alice).focusing == []


def test_a_private_room_is_not_named_to_someone_who_may_not_see_it(
    client, alice, bob, bobs_private_room
):
    _follow(alice, bob)
    focusing(bob, bobs_private_room)
    room_services.participant_set_intention(
        room=bobs_private_room, user=bob, intention="secret plans"
    )
    client.force_login(alice)

    body = client.get(HOME).content.decode()

    assert "in a private room" in body
    assert "Bob&#x27;s hideout" not in body
    assert "secret plans" not in body
    assert reverse("rooms:join", args=[bobs_private_room.pk]) not in body


def test_a_private_room_is_named_to_someone_in_it(alice, bob, bobs_private_room):
    _follow(alice, bob)
    focusing(bob, bobs_private_room)
    room = bobs_private_room
    room_services.room_join(room=room, user=alice, token=room.invite_token)

    [shown] = following_panel(viewer=alice).focusing

    assert shown.room_named


@pytest.mark.parametrize(
    ("visibility", "follows_back", "shown"),
    [
        (FocusVisibility.EVERYONE, False, True),
        (FocusVisibility.EVERYONE, True, True),
        (FocusVisibility.FOLLOW_BACK, False, False),
        (FocusVisibility.FOLLOW_BACK, True, True),
        (FocusVisibility.NOBODY, False, False),
        (FocusVisibility.NOBODY, True, False),
    ],
)
def test_the_privacy_setting_decides_who_sees_me_focusing(
    client, alice, bob, bobs_room, visibility, follows_back, shown
):
    _follow(alice, bob)
    if follows_back:
        _follow(bob, alice)
    bob.focus_visibility = visibility
    bob.save()
    focusing(bob, bobs_room)
    client.force_login(alice)

    body = client.get(HOME).content.decode()

    assert ('data-user="bob"' in body) is shown
    assert bool(following_panel(viewer=alice).focusing) is shown


def test_live_rooms_lists_public_rooms_with_people_focusing(alice, bob, bobs_room, charlie):
    quiet = room_services.room_create(owner=charlie, name="Quiet")  # nobody online
    secret = room_services.room_create(owner=charlie, name="Secret", is_public=False)
    focusing(bob, bobs_room)
    focusing(charlie, secret)
    room_services.presence_write(process="tests", room_id=quiet.pk, here={charlie.pk})

    rows = live_rooms()

    assert [(row.room, row.focusing) for row in rows] == [(bobs_room, 1)]


def _world(count: int, viewer):
    """`count` people the viewer follows, each focusing in a public room of their own,
    one in a private room, and `count` more public rooms."""
    for n in range(count):
        person = UserFactory()
        room = room_services.room_create(owner=person, name=f"Room {n}")
        _follow(viewer, person)
        focusing(person, room)
    hidden = UserFactory()
    _follow(viewer, hidden)
    focusing(hidden, room_services.room_create(owner=hidden, name="Hidden", is_public=False))


@pytest.mark.parametrize("count", [1, 6])
def test_the_dashboard_costs_a_fixed_number_of_queries(
    client, alice, count, django_assert_num_queries
):
    _world(count, alice)
    room_services.room_join(room=room_services.room_create(owner=alice, name="Mine"), user=alice)
    client.force_login(alice)

    # session, user; today: totals, streak days, goal; following: focusing, memberships,
    # count; live rooms
    with django_assert_num_queries(9):
        body = client.get(HOME).content.decode()

    assert body.count("is focusing now") == count + 1
    assert body.count("in a private room") == 1


def test_the_dashboard_fits_a_phone(client, alice):
    client.force_login(alice)

    body = client.get(HOME).content.decode()

    assert 'name="viewport"' in body
    assert "dashboard/dashboard.css" in body
