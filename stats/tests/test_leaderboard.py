from __future__ import annotations

from datetime import datetime

import pytest
from django.urls import reverse

from rooms import services as room_services
from rooms.models import Participant
from stats.tests.factories import RoomFactory, SessionHistoryFactory

pytestmark = pytest.mark.django_db

URL = reverse("stats:leaderboard")


@pytest.fixture
def this_week(alice, bob, room, time_machine):
    """Wednesday 18 March 2026 in Berlin; Alice and Bob opted in and focused this week."""
    time_machine.move_to(datetime(2026, 3, 18, 12, tzinfo=alice.tzinfo), tick=False)
    for user, seconds in ((alice, 1500), (bob, 3000)):
        user.on_leaderboard = True
        user.save()
        SessionHistoryFactory(
            user=user,
            room=room,
            seconds_credited=seconds,
            ended_at=datetime(2026, 3, 17, 10, tzinfo=alice.tzinfo),
        )


@pytest.fixture
def private_room(alice, bob, charlie):
    """Alice's private room: Bob is in it now, Charlie has left it."""
    private = RoomFactory(owner=alice, is_public=False, name="Alice's <b>den</b>")
    Participant.objects.create(room=private, user=bob, joined_at=private.created_at)
    Participant.objects.create(
        room=private, user=charlie, joined_at=private.created_at, left_at=private.created_at
    )
    return private


def test_it_needs_login(client):
    assert client.get(URL).status_code == 302


def test_everyone_board_ranks_those_who_opted_in(
    client, charlie, this_week, django_assert_num_queries
):
    client.force_login(charlie)

    # session, user; the board; the rooms charlie may pick
    with django_assert_num_queries(4):
        response = client.get(URL)

    body = response.content.decode()
    assert response.status_code == 200
    assert [row.user.username for row in response.context["rows"]] == ["bob", "alice"]
    board = body[body.index('data-testid="leaderboard"') :]
    assert board.index(">bob<") < board.index(">alice<") < board.index("</ol>")
    assert "50 min" in board and "25 min" in board
    assert "charlie" not in board
    assert 'data-testid="opt-in-hint"' in body


def test_the_week_is_named_by_the_viewers_local_monday(client, alice, this_week):
    client.force_login(alice)

    body = client.get(URL).content.decode()

    # Monday 00:00 in Berlin is still Sunday the 15th in UTC.
    assert "Focus since Monday 16 Mar" in body
    assert 'data-testid="opt-in-hint"' not in body


def test_a_public_rooms_board_is_open_to_any_member(client, charlie, room, this_week):
    client.force_login(charlie)

    response = client.get(URL, {"room": room.pk})

    assert response.status_code == 200
    assert response.context["room"] == room
    assert len(response.context["rows"]) == 2


@pytest.mark.parametrize(("viewer", "status"), [("alice", 200), ("bob", 200), ("charlie", 404)])
def test_a_private_rooms_board_is_for_its_owner_and_those_present(
    client, request, private_room, this_week, viewer, status, django_assert_max_num_queries
):
    client.force_login(request.getfixturevalue(viewer))

    with django_assert_max_num_queries(6):
        response = client.get(URL, {"room": private_room.pk})

    assert response.status_code == status
    if status == 200:
        body = response.content.decode()
        assert "Alice&#x27;s &lt;b&gt;den&lt;/b&gt;" in body
        assert "<b>den</b>" not in body


@pytest.mark.parametrize("room_param", ["999999", "abc", "-1"])
def test_an_unknown_room_is_404(client, alice, room_param):
    client.force_login(alice)

    assert client.get(URL, {"room": room_param}).status_code == 404


def test_an_empty_board_says_so(client, alice, time_machine):
    client.force_login(alice)

    body = client.get(URL).content.decode()

    assert 'data-testid="leaderboard-empty"' in body


@pytest.mark.parametrize("viewer", ["alice", "bob", "charlie"])
def test_every_listed_board_opens_and_ones_own_boards_are_listed(
    client, request, room, private_room, this_week, viewer
):
    """The list and the page apply one rule (rooms.access.board_rooms): a closed room's
    board, which its page still links to, is listed for its owner and those in it."""
    room_services.room_close(room=private_room, by=private_room.owner)
    user = request.getfixturevalue(viewer)
    client.force_login(user)

    listed = list(client.get(URL).context["rooms"])

    for each in listed:
        assert client.get(URL, {"room": each.pk}).status_code == 200
    own = {"alice": {room, private_room}, "bob": {private_room}, "charlie": set()}[viewer]
    assert own <= set(listed)
