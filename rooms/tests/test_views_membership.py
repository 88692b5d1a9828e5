"""Joining and being in a room: /rooms/invite/<token>/, /<id>/join/, /leave/, /intention/."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rooms import services
from rooms.models import Participant, Room
from rooms.tests.helpers import HTMX, messages_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


def _url(name: str, room: Room) -> str:
    return reverse(f"rooms:{name}", kwargs={"room_id": room.pk})


def _present(room: Room, user) -> bool:
    return Participant.objects.present().filter(room=room, user=user).exists()


# --- invite links -------------------------------------------------------------


def test_the_invite_link_shows_a_join_page(signed_in, private_room, charlie):
    response = signed_in(charlie).get(private_room.get_invite_url())

    body = response.content.decode()
    assert response.status_code == 200
    assert "Join “Secret lab”" in body
    assert "alice invited you" in body
    assert 'name="csrfmiddlewaretoken"' in body
    assert not _present(private_room, charlie)  # looking does not join


def test_posting_the_invite_joins_and_goes_to_the_room(signed_in, private_room, charlie):
    client = signed_in(charlie)

    response = client.post(private_room.get_invite_url())

    assert response.status_code == 302
    assert response.url == private_room.get_absolute_url()
    assert _present(private_room, charlie)
    assert client.get(private_room.get_absolute_url()).status_code == 200


def test_someone_already_inside_is_sent_straight_to_the_room(signed_in, private_room, alice):
    response = signed_in(alice).get(private_room.get_invite_url())

    assert response.status_code == 302
    assert response.url == private_room.get_absolute_url()


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_wrong_token_is_a_404(signed_in, private_room, charlie, method):
    url = reverse("rooms:invite", kwargs={"token": private_room.invite_token[:-1] + "!"})

    response = getattr(signed_in(charlie), method)(url)

    assert response.status_code == 404
    assert "Secret lab" not in response.content.decode()
    assert not _present(private_room, charlie)


def test_a_regenerated_token_kills_the_old_link(signed_in, private_room, alice, charlie):
    old_url = private_room.get_invite_url()
    signed_in(alice).post(_url("regenerate_invite", private_room))
    private_room.refresh_from_db()
    client = signed_in(charlie)

    assert client.get(old_url).status_code == 404
    assert client.post(old_url).status_code == 404
    assert not _present(private_room, charlie)
    assert client.post(private_room.get_invite_url()).status_code == 302
    assert _present(private_room, charlie)


def test_a_closed_room_s_invite_link_is_a_404(signed_in, private_room, alice, charlie):
    services.room_close(room=private_room, by=alice)

    assert signed_in(charlie).get(private_room.get_invite_url()).status_code == 404


def test_a_full_room_s_invite_answers_with_a_message(signed_in, alice, bob, charlie):
    room = services.room_create(owner=alice, name="Duo", is_public=False, max_participants=1)

    response = signed_in(charlie).post(room.get_invite_url(), follow=True)

    assert not _present(room, charlie)
    assert messages_of(response) == ["This room is full (1 person). Try again later."]
    assert response.redirect_chain == [(room.get_invite_url(), 302)]


def test_the_invite_page_escapes_the_room(signed_in, alice, charlie):
    room = services.room_create(owner=alice, name="<b>Bold</b>", is_public=False)

    body = signed_in(charlie).get(room.get_invite_url()).content.decode()

    assert "<b>Bold</b>" not in body
    assert "&lt;b&gt;Bold&lt;/b&gt;" in body


# --- join ---------------------------------------------------------------------


def test_an_outsider_joins_a_public_room(signed_in, room, charlie):
    client = signed_in(charlie)

    response = client.post(_url("join", room))

    assert response.status_code == 302
    assert response.url == room.get_absolute_url()
    assert _present(room, charlie)
    assert f'ws-connect="/ws/rooms/{room.pk}/"' in client.get(room.get_absolute_url()).text


def test_joining_again_is_harmless(signed_in, room, bob):
    assert signed_in(bob).post(_url("join", room)).status_code == 302
    assert Participant.objects.filter(room=room, user=bob).count() == 1


def test_joining_needs_a_post(signed_in, room, charlie):
    assert signed_in(charlie).get(_url("join", room)).status_code == 405
    assert not _present(room, charlie)


def test_a_private_room_cannot_be_joined_without_the_invite(signed_in, private_room, charlie):
    assert signed_in(charlie).post(_url("join", private_room)).status_code == 404
    assert not _present(private_room, charlie)


def test_a_full_room_refuses_a_join_with_a_message(signed_in, alice, bob, charlie):
    room = services.room_create(owner=alice, name="Pair", max_participants=2)
    services.room_join(room=room, user=bob)

    response = signed_in(charlie).post(_url("join", room), follow=True)

    assert not _present(room, charlie)
    assert response.redirect_chain == [(room.get_absolute_url(), 302)]
    assert messages_of(response) == ["This room is full (2 people). Try again later."]
    assert "This room is full (2 people). Try again later." in response.content.decode()


def test_a_full_room_refuses_an_htmx_join_with_400_text(signed_in, alice, bob, charlie):
    room = services.room_create(owner=alice, name="Pair", max_participants=2)
    services.room_join(room=room, user=bob)

    response = signed_in(charlie).post(_url("join", room), headers=HTMX)

    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == "This room is full (2 people). Try again later."
    assert not _present(room, charlie)


def test_a_seat_frees_up_when_someone_leaves(signed_in, alice, bob, charlie):
    room = services.room_create(owner=alice, name="Pair", max_participants=2)
    services.room_join(room=room, user=bob)
    signed_in(bob).post(_url("leave", room))

    assert signed_in(charlie).post(_url("join", room)).status_code == 302
    assert _present(room, charlie)


def test_a_closed_room_is_gone_for_outsiders(signed_in, room, alice, charlie):
    services.room_close(room=room, by=alice)

    # One visibility rule: a closed room is seen only by its owner and members.
    assert signed_in(charlie).post(_url("join", room)).status_code == 404
    assert signed_in(charlie).get(room.get_absolute_url()).status_code == 404
    assert not _present(room, charlie)


def test_a_closed_room_refuses_its_owner_s_rejoin_with_a_message(signed_in, room, alice):
    services.room_leave(room=room, user=alice)
    services.room_close(room=room, by=alice)

    response = signed_in(alice).post(_url("join", room), follow=True)

    assert messages_of(response) == ["This room is closed."]
    assert not _present(room, alice)


# --- leave --------------------------------------------------------------------


def test_a_member_leaves(signed_in, room, bob):
    response = signed_in(bob).post(_url("leave", room), follow=True)

    assert not _present(room, bob)
    assert Participant.objects.filter(room=room, user=bob).exists()  # history stays
    assert response.redirect_chain == [(reverse("rooms:list"), 302)]
    assert messages_of(response) == ["You left “Thesis writing”."]


def test_leaving_a_room_you_are_not_in_says_so(signed_in, room, charlie):
    response = signed_in(charlie).post(_url("leave", room), follow=True)

    assert response.redirect_chain == [(room.get_absolute_url(), 302)]
    assert messages_of(response) == ["You're not in this room."]


def test_leaving_over_htmx_when_not_in_is_a_400_text(signed_in, room, charlie):
    response = signed_in(charlie).post(_url("leave", room), headers=HTMX)

    assert response.status_code == 400
    assert response.content.decode() == "You're not in this room."


def test_leaving_needs_a_post(signed_in, room, bob):
    assert signed_in(bob).get(_url("leave", room)).status_code == 405
    assert _present(room, bob)


def test_an_outsider_cannot_touch_a_private_room_s_membership(signed_in, private_room, charlie):
    assert signed_in(charlie).post(_url("leave", private_room)).status_code == 404


# --- intention ----------------------------------------------------------------


def _intention(room: Room, user) -> str:
    return Participant.objects.get(room=room, user=user).intention


def test_a_member_shares_an_intention_over_htmx(signed_in, room, bob):
    response = signed_in(bob).post(
        _url("intention", room), {"intention": "  Chapter 3 draft "}, headers=HTMX
    )

    assert response.status_code == 204
    assert response.content == b""
    assert _intention(room, bob) == "Chapter 3 draft"


def test_a_member_shares_an_intention_without_javascript(signed_in, room, bob):
    client = signed_in(bob)

    response = client.post(_url("intention", room), {"intention": "Chapter 3 draft"})

    assert response.status_code == 302
    assert response.url == room.get_absolute_url()
    assert "Chapter 3 draft" in client.get(room.get_absolute_url()).text


def test_an_empty_intention_clears_it(signed_in, room, bob):
    services.participant_set_intention(room=room, user=bob, intention="Old task")

    signed_in(bob).post(_url("intention", room), {"intention": ""}, headers=HTMX)

    assert _intention(room, bob) == ""


def test_a_too_long_intention_is_refused_over_htmx(signed_in, room, bob):
    response = signed_in(bob).post(_url("intention", room), {"intention": "x" * 141}, headers=HTMX)

    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "at most 140 characters" in response.content.decode()
    assert _intention(room, bob) == ""


def test_a_too_long_intention_is_refused_with_a_message(signed_in, room, bob):
    response = signed_in(bob).post(_url("intention", room), {"intention": "x" * 141}, follow=True)

    assert response.redirect_chain == [(room.get_absolute_url(), 302)]
    assert messages_of(response) == ["Ensure this value has at most 140 characters (it has 141)."]
    assert _intention(room, bob) == ""


def test_an_outsider_cannot_share_an_intention_in_a_public_room(signed_in, room, charlie):
    response = signed_in(charlie).post(_url("intention", room), {"intention": "Hi"}, headers=HTMX)

    assert response.status_code == 403
    assert response.content.decode() == "Join the room to share what you're working on."
    assert not Participant.objects.filter(room=room, user=charlie).exists()


def test_an_outsider_cannot_share_an_intention_in_a_private_room(signed_in, private_room, charlie):
    response = signed_in(charlie).post(_url("intention", private_room), {"intention": "Hi"})

    assert response.status_code == 404


def test_someone_who_left_cannot_share_an_intention(signed_in, room, bob):
    services.room_leave(room=room, user=bob)

    response = signed_in(bob).post(_url("intention", room), {"intention": "Hi"}, headers=HTMX)

    assert response.status_code == 403
    assert _intention(room, bob) == ""


def test_intentions_are_rate_limited_with_a_429(signed_in, room, bob):
    client = signed_in(bob)
    for number in range(10):
        assert (
            client.post(_url("intention", room), {"intention": f"{number}"}, headers=HTMX)
        ).status_code == 204

    response = client.post(_url("intention", room), {"intention": "again"}, headers=HTMX)

    assert response.status_code == 429
    assert response.content.decode().startswith("That's too often.")
    assert _intention(room, bob) == "9"


def test_joining_and_leaving_in_a_loop_runs_into_a_limit(signed_in, room, charlie):
    """40 join/leave pairs in a second went through before, each a push to the room."""
    client = signed_in(charlie)
    codes = []
    for _ in range(40):
        codes.append(client.post(_url("join", room), headers=HTMX).status_code)
        client.post(_url("leave", room), headers=HTMX)

    assert codes[:20] == [302] * 20
    assert 429 in codes[20:]
    refused = client.post(_url("join", room), headers=HTMX)
    assert refused.status_code == 429
    assert "try again in" in refused.content.decode()
