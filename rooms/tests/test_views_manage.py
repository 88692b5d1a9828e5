"""Creating and managing rooms: /rooms/new/, /solo/, /<id>/edit/, /close/, /invite-link/."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rooms import services
from rooms.models import Participant, Room
from rooms.tests.helpers import HTMX, messages_of
from timers.models import Timer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]

CREATE = reverse("rooms:create")

VALID = {
    "name": "Deep work",
    "description": "Quiet, cameras off.",
    "work_minutes": "50",
    "short_break_minutes": "10",
    "long_break_minutes": "20",
    "long_break_every": "3",
    "auto_start_breaks": "on",
    "control": "everyone",
    "is_public": "on",
    "max_participants": "",
}


def _url(name: str, room: Room) -> str:
    return reverse(f"rooms:{name}", kwargs={"room_id": room.pk})


# --- create -------------------------------------------------------------------


def test_the_create_form_is_shown(signed_in, charlie):
    response = signed_in(charlie).get(CREATE)

    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="csrfmiddlewaretoken"' in body
    assert 'name="work_minutes"' in body
    assert "Create room" in body
    assert "Close this room" not in body


def test_a_valid_form_creates_the_room_and_goes_to_it(signed_in, charlie):
    response = signed_in(charlie).post(CREATE, VALID)

    room = Room.objects.get(name="Deep work")
    assert response.status_code == 302
    assert response.url == room.get_absolute_url()
    assert room.owner == charlie
    assert (room.work_minutes, room.short_break_minutes, room.long_break_minutes) == (50, 10, 20)
    assert room.long_break_every == 3
    assert room.auto_start_breaks and not room.auto_start_work
    assert room.is_public and room.max_participants is None
    assert Timer.objects.get(room=room).status == "idle"
    assert Participant.objects.present().filter(room=room, user=charlie).exists()


def test_after_creating_the_room_page_says_it_is_ready(signed_in, charlie):
    response = signed_in(charlie).post(CREATE, VALID, follow=True)

    assert response.status_code == 200
    assert messages_of(response) == ["“Deep work” is ready. Share the link to invite people."]


def test_an_unchecked_public_box_makes_a_private_room(signed_in, charlie):
    signed_in(charlie).post(CREATE, {**VALID, "is_public": ""})

    assert not Room.objects.get(name="Deep work").is_public


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("work_minutes", "0", "Ensure this value is greater than or equal to 1."),
        ("work_minutes", "181", "Ensure this value is less than or equal to 180."),
        ("work_minutes", "ten", "Enter a whole number."),
        ("name", "", "This field is required."),
        ("name", "   ", "This field is required."),
        ("short_break_minutes", "61", "Ensure this value is less than or equal to 60."),
        ("max_participants", "0", "Ensure this value is greater than or equal to 1."),
        ("control", "anyone", "Select a valid choice."),
    ],
)
def test_bad_input_is_refused_with_422_and_a_message(signed_in, charlie, field, value, message):
    data = {**VALID, field: value}

    response = signed_in(charlie).post(CREATE, data)

    assert response.status_code == 422
    body = response.content.decode()
    assert message in body
    assert 'class="field field-invalid"' in body
    assert not Room.objects.filter(owner=charlie).exists()
    # What the person typed stays in the form.
    assert 'value="Quiet' not in body  # the description is a textarea …
    assert "Quiet, cameras off.</textarea>" in body  # … and keeps its text
    if field != "work_minutes":
        assert 'name="work_minutes" value="50"' in body
    if field != "name":
        assert 'name="name" value="Deep work"' in body


def test_a_refused_form_keeps_the_bad_value_too(signed_in, charlie):
    body = signed_in(charlie).post(CREATE, {**VALID, "work_minutes": "181"}).content.decode()

    assert 'name="work_minutes" value="181"' in body


def test_the_room_name_is_escaped_when_the_form_comes_back(signed_in, charlie):
    data = {**VALID, "name": '"><script>x</script>', "work_minutes": "0"}

    body = signed_in(charlie).post(CREATE, data).content.decode()

    assert "<script>x</script>" not in body
    assert "&quot;&gt;&lt;script&gt;x&lt;/script&gt;" in body


def test_creating_too_many_rooms_is_refused_with_a_message(signed_in, charlie):
    client = signed_in(charlie)
    for number in range(10):
        assert client.post(CREATE, {**VALID, "name": f"Room {number}"}).status_code == 302

    response = client.post(CREATE, {**VALID, "name": "One too many"})

    assert response.status_code == 422
    assert "That&#x27;s too often." in response.content.decode()
    assert not Room.objects.filter(name="One too many").exists()


# --- solo ---------------------------------------------------------------------


def test_the_solo_link_creates_a_private_room_once_and_goes_to_it(signed_in, charlie):
    client = signed_in(charlie)

    offer = client.get(reverse("rooms:solo"))
    assert offer.status_code == 200 and 'method="post"' in offer.content.decode()
    assert not Room.objects.filter(owner=charlie).exists()  # a GET creates nothing

    first = client.post(reverse("rooms:solo"))
    second = client.post(reverse("rooms:solo"))

    room = Room.objects.get(owner=charlie, is_solo=True)
    assert first.status_code == second.status_code == 302
    assert first.url == second.url == room.get_absolute_url()
    assert Room.objects.filter(owner=charlie).count() == 1
    assert not room.is_public
    assert client.get(room.get_absolute_url()).status_code == 200
    assert client.get(reverse("rooms:solo")).url == room.get_absolute_url()


def test_a_solo_room_is_hidden_from_everyone_else(signed_in, alice, charlie):
    room = services.solo_room_for(user=charlie)

    assert signed_in(alice).get(room.get_absolute_url()).status_code == 404
    assert signed_in(alice).post(_url("join", room)).status_code == 404


def test_the_solo_page_refuses_other_methods(signed_in, charlie):
    assert signed_in(charlie).put(reverse("rooms:solo")).status_code == 405
    assert signed_in(charlie).delete(reverse("rooms:solo")).status_code == 405
    assert not Room.objects.filter(owner=charlie).exists()


# --- edit ---------------------------------------------------------------------


def test_the_owner_sees_the_settings_form_filled_in(signed_in, room, alice):
    response = signed_in(alice).get(_url("edit", room))

    body = response.content.decode()
    assert response.status_code == 200
    assert 'name="name" value="Thesis writing"' in body
    assert 'name="work_minutes" value="25"' in body
    assert "Close this room" in body


def test_the_owner_saves_new_settings(signed_in, room, alice):
    data = {**VALID, "name": "Thesis, chapter 4", "work_minutes": "45"}

    response = signed_in(alice).post(_url("edit", room), data)

    room.refresh_from_db()
    assert response.status_code == 302
    assert response.url == room.get_absolute_url()
    assert (room.name, room.work_minutes) == ("Thesis, chapter 4", 45)


def test_bad_settings_are_refused_with_422_and_nothing_changes(signed_in, room, alice):
    response = signed_in(alice).post(_url("edit", room), {**VALID, "work_minutes": "181"})

    assert response.status_code == 422
    assert "Ensure this value is less than or equal to 180." in response.content.decode()
    room.refresh_from_db()
    assert (room.name, room.work_minutes) == ("Thesis writing", 25)


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("who", ["bob", "charlie"])
def test_only_the_owner_edits_a_public_room(signed_in, room, request, who, method):
    client = signed_in(request.getfixturevalue(who))

    response = getattr(client, method)(_url("edit", room), {**VALID, "name": "Mine now"})

    assert response.status_code == 403
    room.refresh_from_db()
    assert room.name == "Thesis writing"


@pytest.mark.parametrize("who", ["bob", "charlie"])
def test_a_private_room_s_settings_do_not_exist_for_others(signed_in, private_room, request, who):
    response = signed_in(request.getfixturevalue(who)).post(
        _url("edit", private_room), {**VALID, "name": "Mine now"}
    )

    assert response.status_code == 404
    private_room.refresh_from_db()
    assert private_room.name == "Secret lab"


def test_a_member_of_a_private_room_still_cannot_edit_it(signed_in, private_room, bob):
    services.room_join(room=private_room, user=bob, token=private_room.invite_token)

    response = signed_in(bob).post(_url("edit", private_room), {**VALID, "name": "Mine now"})

    assert response.status_code == 403
    private_room.refresh_from_db()
    assert private_room.name == "Secret lab"


def test_editing_a_missing_room_is_a_404(signed_in, alice):
    assert signed_in(alice).get(reverse("rooms:edit", kwargs={"room_id": 999})).status_code == 404


# --- close --------------------------------------------------------------------


def test_the_owner_closes_the_room(signed_in, room, alice):
    response = signed_in(alice).post(_url("close", room), follow=True)

    room.refresh_from_db()
    assert not room.is_active
    assert response.redirect_chain == [(reverse("rooms:list"), 302)]
    assert messages_of(response) == ["“Thesis writing” is closed."]
    assert "Thesis writing" not in [r.name for r in response.context["page"].object_list]


@pytest.mark.parametrize("who", ["bob", "charlie"])
def test_only_the_owner_closes_a_room(signed_in, room, request, who):
    response = signed_in(request.getfixturevalue(who)).post(_url("close", room))

    assert response.status_code == 403
    room.refresh_from_db()
    assert room.is_active


def test_outsiders_cannot_close_a_private_room(signed_in, private_room, charlie):
    assert signed_in(charlie).post(_url("close", private_room)).status_code == 404
    private_room.refresh_from_db()
    assert private_room.is_active


def test_closing_needs_a_post(signed_in, room, alice):
    assert signed_in(alice).get(_url("close", room)).status_code == 405
    room.refresh_from_db()
    assert room.is_active


def test_the_solo_room_cannot_be_closed(signed_in, alice):
    solo = services.solo_room_for(user=alice)

    response = signed_in(alice).post(_url("close", solo), follow=True)

    solo.refresh_from_db()
    assert solo.is_active
    assert response.redirect_chain == [(solo.get_absolute_url(), 302)]
    assert messages_of(response) == ["Your solo room can't be closed."]


def test_closing_the_solo_room_over_htmx_is_a_400_text(signed_in, alice):
    solo = services.solo_room_for(user=alice)

    response = signed_in(alice).post(_url("close", solo), headers=HTMX)

    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == "Your solo room can't be closed."


# --- invite link --------------------------------------------------------------


def test_the_owner_makes_a_new_invite_link(signed_in, private_room, alice):
    old = private_room.invite_token

    response = signed_in(alice).post(_url("regenerate_invite", private_room), follow=True)

    private_room.refresh_from_db()
    assert private_room.invite_token != old
    assert response.redirect_chain == [(private_room.get_absolute_url(), 302)]
    assert messages_of(response) == ["A new invite link is ready; the old one no longer works."]
    assert private_room.get_invite_url() in response.content.decode()


@pytest.mark.parametrize(("who", "status"), [("bob", 403), ("charlie", 403)])
def test_only_the_owner_regenerates_a_public_room_s_link(signed_in, room, request, who, status):
    old = room.invite_token

    response = signed_in(request.getfixturevalue(who)).post(_url("regenerate_invite", room))

    assert response.status_code == status
    room.refresh_from_db()
    assert room.invite_token == old


def test_a_member_of_a_private_room_cannot_regenerate_its_link(signed_in, private_room, bob):
    services.room_join(room=private_room, user=bob, token=private_room.invite_token)
    old = private_room.invite_token

    response = signed_in(bob).post(_url("regenerate_invite", private_room))

    assert response.status_code == 403
    private_room.refresh_from_db()
    assert private_room.invite_token == old


def test_an_outsider_cannot_regenerate_a_private_room_s_link(signed_in, private_room, charlie):
    old = private_room.invite_token

    response = signed_in(charlie).post(_url("regenerate_invite", private_room))

    assert response.status_code == 404
    private_room.refresh_from_db()
    assert private_room.invite_token == old


def test_regenerating_needs_a_post(signed_in, private_room, alice):
    old = private_room.invite_token

    assert signed_in(alice).get(_url("regenerate_invite", private_room)).status_code == 405
    private_room.refresh_from_db()
    assert private_room.invite_token == old


def test_a_solo_room_has_no_chat_and_no_head_count(signed_in, charlie):
    room = services.solo_room_for(user=charlie)

    body = signed_in(charlie).get(room.get_absolute_url()).content.decode()

    assert "Your session" in body
    assert "In the room" not in body
    assert 'class="participants card participants--solo"' in body  # its count is hidden
    assert 'data-testid="room-chat"' not in body
