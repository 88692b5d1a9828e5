"""The camera strip on the room page, and the room's microphone setting."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from rooms import services as room_services
from rooms.tests.test_views_detail import DETAIL_QUERIES

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["alice", "bob"])
def test_members_get_the_strip_with_everything_off(signed_in, room, request, who):
    body = signed_in(request.getfixturevalue(who)).get(room.get_absolute_url()).content.decode()

    assert 'id="camera-strip"' in body
    assert 'data-camera="off"' in body and 'data-mic="off"' in body
    assert "js/video.js" in body
    assert "nothing is sent until you turn it on" in body
    assert "Microphones stay off in this room." in body
    assert "<script>" not in body  # the CSP allows no inline script


def test_outsiders_and_anonymous_people_get_no_strip(client, signed_in, room, charlie):
    for page in (
        signed_in(charlie).get(room.get_absolute_url()),
        client.get(room.get_absolute_url()),
    ):
        assert "camera-strip" not in page.content.decode()
        assert "video.js" not in page.content.decode()


def test_a_solo_room_has_no_strip(signed_in, alice):
    solo = room_services.solo_room_for(user=alice)
    assert "camera-strip" not in signed_in(alice).get(solo.get_absolute_url()).content.decode()


def test_the_strip_escapes_the_name(signed_in, room):
    mallory = UserFactory(username='mal"lory')
    room_services.room_join(room=room, user=mallory)
    body = signed_in(mallory).get(room.get_absolute_url()).content.decode()
    assert 'data-username="mal&quot;lory"' in body


def test_the_strip_costs_no_query(signed_in, room, bob, django_assert_num_queries):
    client = signed_in(bob)
    with django_assert_num_queries(DETAIL_QUERIES + 1):  # + the chat's last lines
        client.get(room.get_absolute_url())


def test_the_owner_allows_microphones_in_breaks(signed_in, room, alice):
    form = signed_in(alice).get(reverse("rooms:edit", kwargs={"room_id": room.pk}))
    assert 'name="mic_during_breaks"' in form.content.decode()

    room = room_services.room_update(room=room, by=alice, mic_during_breaks=True)
    body = signed_in(alice).get(room.get_absolute_url()).content.decode()

    assert room.mic_during_breaks
    assert 'data-mic-in-breaks="true"' in body
    assert "Microphones can be turned on during breaks." in body


def test_a_new_room_keeps_microphones_off(room):
    assert room.mic_during_breaks is False


def test_a_room_where_microphones_work_at_any_time_says_so(signed_in, room, alice):
    room_services.room_allow_talking(room=room)

    body = signed_in(alice).get(room.get_absolute_url()).content.decode()

    assert "Microphones can be turned on at any time." in body
    assert "Microphones stay off" not in body and "during breaks" not in body
