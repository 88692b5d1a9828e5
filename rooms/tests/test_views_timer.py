"""The timer controls and resync: /rooms/<id>/timer/."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from rooms import services
from rooms.models import Room
from rooms.tests.helpers import HTMX, T0, messages_of
from timers import services as timer_services
from timers.models import Timer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]

# Session, user, the room, the viewer's membership, and the timer (read without a lock
# when nothing is due).
TIMER_GET_QUERIES = 4  # session, user, room with my membership, timer


def _url(room: Room) -> str:
    return reverse("rooms:timer", kwargs={"room_id": room.pk})


def _timer(room: Room) -> Timer:
    return Timer.objects.get(room=room)


def _status(body: str) -> str:
    match = re.search(r'<section id="timer"[^>]*data-status="([a-z]+)"', body)
    assert match, "no timer partial in the response"
    return match.group(1)


@pytest.mark.parametrize("who", ["alice", "bob"])
def test_a_member_starts_the_timer_over_htmx_and_gets_the_partial(signed_in, room, request, who):
    response = signed_in(request.getfixturevalue(who)).post(
        _url(room), {"action": "start"}, headers=HTMX
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<section id="timer"')
    assert "<html" not in body
    assert 'data-status="running"' in body
    assert f'data-ends-at="{(T0 + timedelta(minutes=25)).isoformat()}"' in body
    assert 'value="pause"' in body
    assert 'hx-swap-oob="true"' not in body  # the button's answer swaps in place
    assert 'name="csrfmiddlewaretoken"' in body
    assert _timer(room).status == "running"


def test_without_htmx_a_command_redirects_to_the_room(signed_in, room, bob):
    response = signed_in(bob).post(_url(room), {"action": "start"})

    assert response.status_code == 302
    assert response.url == room.get_absolute_url()
    assert _timer(room).status == "running"


def test_pause_then_resume_through_the_view(signed_in, room, bob, time_machine):
    client = signed_in(bob)
    client.post(_url(room), {"action": "start"}, headers=HTMX)
    time_machine.move_to(T0 + timedelta(minutes=5), tick=False)

    paused = client.post(_url(room), {"action": "pause"}, headers=HTMX).content.decode()
    time_machine.move_to(T0 + timedelta(minutes=30), tick=False)
    resumed = client.post(_url(room), {"action": "resume"}, headers=HTMX).content.decode()

    assert _status(paused) == "paused"
    assert 'data-remaining="1200"' in paused
    assert _status(resumed) == "running"
    assert f'data-ends-at="{(T0 + timedelta(minutes=50)).isoformat()}"' in resumed


@pytest.mark.parametrize(
    ("action", "message"),
    [
        ("pause", None),  # the engine's own words: only checked to be non-empty
        ("resume", None),
        ("explode", "That's not a timer action."),
        ("", "That's not a timer action."),
    ],
)
def test_an_illegal_command_is_a_400_text_over_htmx(signed_in, room, bob, action, message):
    before = _timer(room)

    response = signed_in(bob).post(_url(room), {"action": action}, headers=HTMX)

    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    text = response.content.decode()
    assert text if message is None else text == message
    assert "<" not in text
    after = _timer(room)
    assert (after.status, after.version) == (before.status, before.version)


def test_an_illegal_command_without_htmx_comes_back_as_a_message(signed_in, room, bob):
    response = signed_in(bob).post(_url(room), {"action": "pause"}, follow=True)

    assert response.redirect_chain == [(room.get_absolute_url(), 302)]
    assert len(messages_of(response)) == 1
    assert _timer(room).status == "idle"


def test_an_outsider_is_refused_in_a_public_room(signed_in, room, charlie):
    response = signed_in(charlie).post(_url(room), {"action": "start"}, headers=HTMX)

    assert response.status_code == 403
    assert response.content.decode() == "Join the room to control its timer."
    assert _timer(room).status == "idle"


def test_an_outsider_without_htmx_is_refused_with_a_message(signed_in, room, charlie):
    response = signed_in(charlie).post(_url(room), {"action": "start"}, follow=True)

    assert messages_of(response) == ["Join the room to control its timer."]
    assert _timer(room).status == "idle"


@pytest.mark.parametrize("who", ["bob", "charlie"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_private_room_s_timer_is_a_404_to_outsiders(
    signed_in, private_room, request, who, method
):
    client = signed_in(request.getfixturevalue(who))

    response = getattr(client, method)(_url(private_room), {"action": "start"}, headers=HTMX)

    assert response.status_code == 404
    assert _timer(private_room).status == "idle"


def test_a_member_is_refused_when_only_the_owner_controls(signed_in, room, alice, bob):
    services.room_update(room=room, by=alice, control=Room.Control.OWNER)

    refused = signed_in(bob).post(_url(room), {"action": "start"}, headers=HTMX)
    allowed = signed_in(alice).post(_url(room), {"action": "start"}, headers=HTMX)

    assert refused.status_code == 403
    assert refused.content.decode() == "Only the room's owner controls this timer."
    assert allowed.status_code == 200
    assert _timer(room).status == "running"


def test_a_closed_room_s_timer_cannot_be_started(signed_in, room, alice, bob):
    services.room_close(room=room, by=alice)

    response = signed_in(bob).post(_url(room), {"action": "start"}, headers=HTMX)

    assert response.status_code == 403
    assert response.content.decode() == "This room is closed."  # not "Join the room"
    assert _timer(room).status == "idle"


def test_pressing_too_fast_is_a_429(signed_in, room, bob):
    client = signed_in(bob)
    for action in ["start", "reset"] * 10:
        assert client.post(_url(room), {"action": action}, headers=HTMX).status_code == 200

    response = client.post(_url(room), {"action": "start"}, headers=HTMX)

    assert response.status_code == 429
    assert response.content.decode().startswith("That's too often.")
    assert _timer(room).status == "idle"


@pytest.mark.parametrize("who", ["alice", "bob", "charlie"])
def test_get_returns_the_current_partial(signed_in, room, request, who, time_machine):
    timer_services.timer_command(room=room, by=room.owner, action="start")
    time_machine.move_to(T0 + timedelta(minutes=1), tick=False)

    response = signed_in(request.getfixturevalue(who)).get(_url(room))

    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<section id="timer"')
    assert _status(body) == "running"
    assert 'data-remaining="1440"' in body
    assert f'data-server-now="{(T0 + timedelta(minutes=1)).isoformat()}"' in body


def test_get_catches_the_timer_up_and_saves_it(signed_in, room, bob, time_machine):
    timer_services.timer_command(room=room, by=bob, action="start")
    time_machine.move_to(T0 + timedelta(minutes=26), tick=False)

    body = signed_in(bob).get(_url(room)).content.decode()

    assert 'data-phase="short_break"' in body
    assert _timer(room).phase == "short_break"  # stored, and the history written once


def test_the_get_costs_a_fixed_number_of_queries(signed_in, room, bob, django_assert_num_queries):
    client = signed_in(bob)

    with django_assert_num_queries(TIMER_GET_QUERIES):
        client.get(_url(room))


def test_put_is_not_allowed(signed_in, room, bob):
    assert signed_in(bob).put(_url(room)).status_code == 405


# --- CSRF ---------------------------------------------------------------------


def _page_csrf_token(client, room: Room) -> str:
    """The token the page puts in <body hx-headers>, as HTMX sends it back."""
    body = client.get(room.get_absolute_url()).content.decode()
    match = re.search(r"hx-headers='\{\"X-CSRFToken\": \"([^\"]+)\"\}'", body)
    assert match, "the page has no CSRF header for HTMX"
    return match.group(1)


def test_a_post_without_the_csrf_token_is_refused(signed_in, room, bob):
    client = signed_in(bob, enforce_csrf_checks=True)
    _page_csrf_token(client, room)  # the cookie is set, but the request does not echo it

    response = client.post(_url(room), {"action": "start"}, headers=HTMX)

    assert response.status_code == 403
    assert b"CSRF verification failed" in response.content
    assert _timer(room).status == "idle"


def test_a_post_with_a_wrong_csrf_header_is_refused(signed_in, room, bob):
    client = signed_in(bob, enforce_csrf_checks=True)
    _page_csrf_token(client, room)

    response = client.post(
        _url(room), {"action": "start"}, headers={**HTMX, "X-CSRFToken": "x" * 64}
    )

    assert response.status_code == 403
    assert b"CSRF verification failed" in response.content
    assert _timer(room).status == "idle"


def test_a_post_with_the_htmx_csrf_header_succeeds(signed_in, room, bob):
    client = signed_in(bob, enforce_csrf_checks=True)
    token = _page_csrf_token(client, room)

    response = client.post(_url(room), {"action": "start"}, headers={**HTMX, "X-CSRFToken": token})

    assert response.status_code == 200
    assert _status(response.content.decode()) == "running"


def test_the_form_s_hidden_csrf_field_also_works(signed_in, room, bob):
    client = signed_in(bob, enforce_csrf_checks=True)
    body = client.get(room.get_absolute_url()).content.decode()
    form = body[body.index('class="timer-controls"') :]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)

    response = client.post(_url(room), {"action": "start", "csrfmiddlewaretoken": token})

    assert response.status_code == 302
    assert _timer(room).status == "running"


def test_the_room_sees_who_paused_and_who_reset(signed_in, room, alice, bob, time_machine):
    bob_client, alice_client = signed_in(bob), signed_in(alice)
    bob_client.post(_url(room), {"action": "start"}, headers=HTMX)
    running = alice_client.get(_url(room), headers=HTMX).content.decode()
    assert "Paused by" not in running and 'data-note=""' in running

    bob_client.post(_url(room), {"action": "pause"}, headers=HTMX)
    # Alice's resync (and the push) says who holds the room.
    paused = alice_client.get(_url(room), headers=HTMX).content.decode()
    assert 'data-note="Paused by bob"' in paused
    assert '<p class="timer-note">Paused by bob</p>' in paused

    alice_client.post(_url(room), {"action": "resume"}, headers=HTMX)
    resumed = bob_client.get(_url(room), headers=HTMX).content.decode()
    assert "Paused by" not in resumed

    alice_client.post(_url(room), {"action": "reset"}, headers=HTMX)
    reset = bob_client.get(_url(room), headers=HTMX).content.decode()
    assert 'data-note="Reset by alice"' in reset
    bob_client.post(_url(room), {"action": "start"}, headers=HTMX)
    assert "Reset by" not in bob_client.get(_url(room), headers=HTMX).content.decode()


def test_the_clock_is_a_timer_that_is_never_read_out_every_second(signed_in, room, bob):
    client = signed_in(bob)
    fragment = client.get(_url(room), headers=HTMX).content.decode()
    page = client.get(room.get_absolute_url()).content.decode()

    # role=timer is polite-off by default; phase changes and "1 minute left" go to the
    # page's one live region, which no push replaces (it is outside #timer).
    assert 'data-role="clock" role="timer"' in fragment
    assert "aria-live" not in fragment
    assert page.count("aria-live") == 2  # the toasts and the announcer, both outside #timer
    assert '<div id="announcer" class="visually-hidden" aria-live="polite"' in page
