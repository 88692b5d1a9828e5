"""The room page: /rooms/<id>/."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from messaging.models import ChatMessage
from rooms import services
from rooms.models import Room
from rooms.tests.factories import ParticipantFactory
from rooms.tests.helpers import T0
from timers import services as timer_services

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]

# Session, user, the room with its owner, the viewer's membership, the timer, the people
# present with their users.
# session, user, room with owner and my membership, timer, people, the next sessions
DETAIL_QUERIES = 6


def _timer_attributes(body: str) -> dict[str, str]:
    section = re.search(r'<section id="timer"[^>]*>', body)
    assert section, "the page has no timer section"
    return dict(re.findall(r'(data-[a-z-]+)="([^"]*)"', section.group(0)))


def _buttons(body: str) -> list[str]:
    return re.findall(r'<button type="submit" name="action" value="([a-z]+)"', body)


@pytest.mark.parametrize("who", ["alice", "bob", "charlie"])
def test_everyone_logged_in_sees_a_public_room(signed_in, room, request, who):
    response = signed_in(request.getfixturevalue(who)).get(room.get_absolute_url())

    assert response.status_code == 200
    body = response.content.decode()
    assert "<h1>Thesis writing</h1>" in body
    assert 'id="timer"' in body
    assert 'data-user="alice"' in body
    assert 'data-user="bob"' in body


def test_the_owner_gets_settings_the_socket_and_the_controls(signed_in, room, alice):
    body = signed_in(alice).get(room.get_absolute_url()).content.decode()

    assert f'ws-connect="/ws/rooms/{room.pk}/"' in body
    assert reverse("rooms:edit", kwargs={"room_id": room.pk}) in body
    assert "data-can-control" in body
    assert "Join the room" not in body
    assert reverse("rooms:leave", kwargs={"room_id": room.pk}) in body
    assert 'name="intention"' in body


def test_a_member_gets_the_socket_the_controls_and_a_leave_button(signed_in, room, bob):
    body = signed_in(bob).get(room.get_absolute_url()).content.decode()

    assert f'ws-connect="/ws/rooms/{room.pk}/"' in body
    assert "data-can-control" in body
    assert reverse("rooms:edit", kwargs={"room_id": room.pk}) not in body
    assert reverse("rooms:leave", kwargs={"room_id": room.pk}) in body
    assert f'hx-post="{reverse("rooms:intention", kwargs={"room_id": room.pk})}"' in body
    assert "Join the room" not in body


def test_an_outsider_gets_a_join_button_and_no_socket(signed_in, room, charlie):
    body = signed_in(charlie).get(room.get_absolute_url()).content.decode()

    assert "ws-connect" not in body.replace('ws-connect="/ws/me/"', "")
    assert f'ws-connect="/ws/rooms/{room.pk}/"' not in body
    assert f'action="{reverse("rooms:join", kwargs={"room_id": room.pk})}"' in body
    assert "Join the room</button>" in body
    assert "data-can-control" not in body
    assert reverse("rooms:leave", kwargs={"room_id": room.pk}) not in body
    assert 'name="intention"' not in body
    assert reverse("rooms:edit", kwargs={"room_id": room.pk}) not in body


def test_in_an_owner_controlled_room_only_the_owner_gets_the_controls(signed_in, room, alice, bob):
    services.room_update(room=room, by=alice, control=Room.Control.OWNER)

    owner_page = signed_in(alice).get(room.get_absolute_url()).content.decode()
    member_page = signed_in(bob).get(room.get_absolute_url()).content.decode()

    assert "data-can-control" in owner_page
    assert "data-can-control" not in member_page
    assert "Only the owner controls this timer." in member_page


@pytest.mark.parametrize("who", ["bob", "charlie"])
def test_a_private_room_is_a_404_to_people_who_have_not_joined(
    signed_in, private_room, request, who
):
    response = signed_in(request.getfixturevalue(who)).get(private_room.get_absolute_url())

    assert response.status_code == 404
    assert "Secret lab" not in response.content.decode()


def test_a_private_room_is_visible_once_joined_by_invite(signed_in, private_room, bob):
    services.room_join(room=private_room, user=bob, token=private_room.invite_token)

    response = signed_in(bob).get(private_room.get_absolute_url())

    assert response.status_code == 200
    assert f'ws-connect="/ws/rooms/{private_room.pk}/"' in response.content.decode()


def test_a_private_room_is_a_404_again_after_leaving(signed_in, private_room, bob):
    services.room_join(room=private_room, user=bob, token=private_room.invite_token)
    services.room_leave(room=private_room, user=bob)

    assert signed_in(bob).get(private_room.get_absolute_url()).status_code == 404


def test_only_the_owner_of_a_private_room_sees_its_invite_link(signed_in, private_room, bob):
    services.room_join(room=private_room, user=bob, token=private_room.invite_token)
    owner = signed_in(private_room.owner).get(private_room.get_absolute_url()).content.decode()
    member = signed_in(bob).get(private_room.get_absolute_url()).content.decode()

    assert f"{private_room.get_invite_url()}" in owner
    assert 'data-testid="invite-link"' in owner
    assert private_room.invite_token not in member


def test_a_public_room_shows_no_invite_card(signed_in, room, alice):
    body = signed_in(alice).get(room.get_absolute_url()).content.decode()

    assert 'data-testid="invite-link"' not in body


def test_a_missing_room_is_a_404(signed_in, alice):
    assert signed_in(alice).get(reverse("rooms:detail", kwargs={"room_id": 999})).status_code == 404


def test_a_closed_room_says_so(signed_in, room, alice, bob):
    services.room_close(room=room, by=alice)

    body = signed_in(bob).get(room.get_absolute_url()).content.decode()

    assert "This room is closed." in body
    assert "data-can-control" not in body


def test_the_idle_timer_carries_its_state_and_the_start_button(signed_in, room, bob):
    body = signed_in(bob).get(room.get_absolute_url()).content.decode()

    attributes = _timer_attributes(body)
    assert attributes["data-status"] == "idle"
    assert attributes["data-phase"] == "work"
    assert attributes["data-ends-at"] == ""
    assert attributes["data-remaining"] == "1500"
    assert attributes["data-duration"] == "1500"
    assert attributes["data-server-now"] == T0.isoformat()
    assert attributes["data-sync-url"] == reverse("rooms:timer", kwargs={"room_id": room.pk})
    assert _buttons(body) == ["start"]
    assert '<button type="submit" name="action" value="start"' in body
    assert "25:00" in body


def test_a_running_timer_carries_its_deadline_and_what_is_left(signed_in, room, bob, time_machine):
    timer_services.timer_command(room=room, by=bob, action="start")
    time_machine.move_to(T0 + timedelta(minutes=10), tick=False)
    services.presence_write(process="test", room_id=room.pk, here={bob.pk})  # a socket open now

    body = signed_in(bob).get(room.get_absolute_url()).content.decode()

    attributes = _timer_attributes(body)
    assert attributes["data-status"] == "running"
    assert attributes["data-phase"] == "work"
    assert attributes["data-ends-at"] == (T0 + timedelta(minutes=25)).isoformat()
    assert attributes["data-remaining"] == str(15 * 60)
    assert _buttons(body) == ["pause", "skip", "reset"]
    assert "15:00" in body
    assert re.search(r'data-user="bob" data-online="true">.*?Focusing</span>', body, re.S)
    assert re.search(r'data-user="alice" data-online="false">.*?Away</span>', body, re.S)


def test_a_timer_past_its_deadline_shows_the_next_phase(signed_in, room, bob, time_machine):
    timer_services.timer_command(room=room, by=bob, action="start")
    time_machine.move_to(T0 + timedelta(minutes=26), tick=False)

    attributes = _timer_attributes(signed_in(bob).get(room.get_absolute_url()).content.decode())

    # The break auto-starts at the work deadline: a minute of its five is gone.
    assert attributes["data-phase"] == "short_break"
    assert attributes["data-status"] == "running"
    assert attributes["data-remaining"] == str(4 * 60)


def test_user_content_on_the_page_is_escaped(signed_in, alice, bob):
    room = services.room_create(
        owner=alice, name="<i>Italic</i> room", description="<script>steal()</script>"
    )
    services.room_join(room=room, user=bob)
    services.participant_set_intention(room=room, user=bob, intention="<img src=x onerror=1>")

    body = signed_in(alice).get(room.get_absolute_url()).content.decode()

    assert "<i>Italic</i>" not in body
    assert "<script>steal()</script>" not in body
    assert "<img src=x onerror=1>" not in body
    assert "&lt;img src=x onerror=1&gt;" in body


def _crowd(room: Room, count: int) -> None:
    """Fills the room up to `count` people present, some online, some with an intention."""
    for number, person in enumerate(UserFactory.create_batch(count - 2)):
        ParticipantFactory(room=room, user=person, intention=f"Task {number}" if number % 2 else "")
        if number % 3:
            services.presence_write(process="test", room_id=room.pk, here={person.pk})


@pytest.mark.parametrize("viewer", ["alice", "bob", "charlie"])
@pytest.mark.parametrize("people", [5, 20])
def test_the_page_costs_a_fixed_number_of_queries(
    signed_in, room, request, django_assert_num_queries, viewer, people
):
    _crowd(room, people)
    timer_services.timer_command(room=room, by=room.owner, action="start")
    client = signed_in(request.getfixturevalue(viewer))

    for number in range(people):  # the chat panel shows members its last lines
        ChatMessage.objects.create(room=room, sender=room.owner, body=f"line {number}")
    # Members also read the chat's last lines: one query, whatever their number.
    expected = DETAIL_QUERIES + (0 if viewer == "charlie" else 1)

    with django_assert_num_queries(expected):
        response = client.get(room.get_absolute_url())

    assert response.content.decode().count('<li id="person-') == people
    assert f'data-count="{people}"' in response.content.decode()


def test_members_find_the_rooms_weekly_leaderboard(signed_in, room, bob):
    body = signed_in(bob).get(room.get_absolute_url()).content.decode()

    assert f"/stats/leaderboard/?room={room.pk}" in body
