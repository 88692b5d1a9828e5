"""Check-in and check-out: a work phase keeps the person's goal, and they answer "Did you
do it?" for their own phases only, once it ended (answering again edits)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from focusmate import events
from focusmate.lib import broadcast
from rooms import services as room_services
from rooms.tests.helpers import HTMX, T0
from stats import services
from stats.models import SessionHistory
from timers import services as timer_services

pytestmark = pytest.mark.django_db

WORK_ENDED = T0 + timedelta(minutes=26)  # the room's 25-minute work phase is over


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(T0, tick=False)


@pytest.fixture
def ended(alice, bob, frozen):
    """Alice's room (Bob is in it) worked through its first phase (seq 1) with goals; the
    short break (seq 2) runs. Returns the room."""
    room = room_services.room_create(owner=alice, name="Thesis writing", work_minutes=25)
    room_services.room_join(room=room, user=bob)
    room_services.participant_set_intention(room=room, user=alice, intention="Outline ch. 2")
    room_services.participant_set_intention(room=room, user=bob, intention="Fix <b>bug</b> 12")
    timer_services.timer_command(room=room, by=alice, action="start", now=T0)
    timer_services.timers_advance_due(now=WORK_ENDED)
    return room


def row(user, room, seq=1) -> SessionHistory:
    return SessionHistory.objects.get(user=user, room=room, seq=seq)


def url(room, seq=1) -> str:
    return reverse("stats:checkout", kwargs={"room_id": room.pk, "seq": seq})


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- Check-in: the goal is kept with the phase ------------------------------------------


def test_a_work_phase_keeps_each_persons_intention_as_its_goal(ended, alice, bob):
    assert row(alice, ended).goal == "Outline ch. 2"
    assert row(bob, ended).goal == "Fix <b>bug</b> 12"
    assert row(bob, ended).outcome == ""


def test_a_break_keeps_no_goal(ended, alice):
    timer_services.timers_advance_due(now=WORK_ENDED + timedelta(minutes=6))

    assert row(alice, ended, seq=2).kind == "short_break"
    assert row(alice, ended, seq=2).goal == ""


def test_a_goal_changed_after_the_phase_ended_stays_with_the_next_phase(ended, alice):
    room_services.participant_set_intention(room=ended, user=alice, intention="Outline ch. 3")

    assert row(alice, ended).goal == "Outline ch. 2"


# --- Check-out: the service ---------------------------------------------------------------


def test_the_owner_of_a_row_checks_it_out_and_the_room_hears_of_it(
    ended, alice, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        session = services.phase_check_out(
            by=alice, room_id=ended.pk, seq=1, outcome="done", note="  all of it "
        )

    stored = row(alice, ended)
    assert (stored.outcome, stored.outcome_note) == ("done", "all of it")
    assert stored.checked_out_at == T0
    assert session.pk == stored.pk
    assert published == [
        events.CheckedOut(room_id=ended.pk, user_id=alice.pk, seq=1, outcome="done", shown=False)
    ]


def test_answering_twice_changes_the_answer(ended, bob):
    services.phase_check_out(by=bob, room_id=ended.pk, seq=1, outcome="not_yet", note="stuck")
    services.phase_check_out(by=bob, room_id=ended.pk, seq=1, outcome="partly")

    assert (row(bob, ended).outcome, row(bob, ended).outcome_note) == ("partly", "")
    assert SessionHistory.objects.filter(user=bob, seq=1).count() == 1


@pytest.mark.parametrize("persona", ["outsider", "moderator", "member"])
def test_nobody_checks_out_someone_elses_row(ended, alice, bob, charlie, moderator, persona):
    by = {"outsider": charlie, "moderator": moderator, "member": bob}[persona]

    with pytest.raises(PermissionDenied, match="your own sessions"):
        services.session_check_out(session=row(alice, ended), by=by, outcome="done")

    assert row(alice, ended).outcome == ""


def test_anonymous_and_banned_people_check_out_nothing(ended, alice):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        services.phase_check_out(by=AnonymousUser(), room_id=ended.pk, seq=1, outcome="done")
    alice.is_active = False
    with pytest.raises(PermissionDenied):
        services.session_check_out(session=row(alice, ended), by=alice, outcome="done")


@pytest.mark.parametrize("seq", [2, 3, 99])
def test_a_phase_that_has_not_ended_has_no_check_out(ended, alice, seq):
    with pytest.raises(ValidationError, match="hasn't ended yet") as refused:
        services.phase_check_out(by=alice, room_id=ended.pk, seq=seq, outcome="done")

    assert refused.value.code == "conflict"


def test_an_outsider_was_not_in_the_room_for_the_phase(ended, charlie):
    with pytest.raises(ValidationError, match="weren't in the room"):
        services.phase_check_out(by=charlie, room_id=ended.pk, seq=1, outcome="done")


def test_a_break_is_not_checked_out(ended, alice):
    timer_services.timers_advance_due(now=WORK_ENDED + timedelta(minutes=6))

    with pytest.raises(ValidationError, match="Only a work phase"):
        services.phase_check_out(by=alice, room_id=ended.pk, seq=2, outcome="done")


@pytest.mark.parametrize(
    ("outcome", "note", "message"),
    [
        ("finished", "", "done, partly or not yet"),
        ("", "", "done, partly or not yet"),
        ("DONE", "", "done, partly or not yet"),
        ("done", "x" * 281, "280 characters"),
        ("done", "a\x00b", "can't contain"),
    ],
)
def test_bad_answers_are_refused_and_change_nothing(ended, alice, outcome, note, message):
    with pytest.raises(ValidationError, match=message):
        services.phase_check_out(by=alice, room_id=ended.pk, seq=1, outcome=outcome, note=note)

    assert row(alice, ended).outcome == ""


def test_a_note_of_exactly_280_characters_is_kept(ended, alice):
    services.phase_check_out(by=alice, room_id=ended.pk, seq=1, outcome="done", note="n" * 280)

    assert len(row(alice, ended).outcome_note) == 280


def test_the_database_refuses_an_outcome_on_a_break(ended, alice):
    from django.db import IntegrityError, transaction

    timer_services.timers_advance_due(now=WORK_ENDED + timedelta(minutes=6))
    with pytest.raises(IntegrityError), transaction.atomic():
        SessionHistory.objects.filter(user=alice, seq=2).update(outcome="done")


def test_a_check_out_shown_to_the_room_pushes_the_persons_row_with_a_tick(
    ended, bob, monkeypatch, deliver_at_once
):
    bob.show_checkouts = True
    bob.save()
    sent = []
    monkeypatch.setattr(broadcast, "send_now", lambda group, message: sent.append(message))

    services.phase_check_out(by=bob, room_id=ended.pk, seq=1, outcome="done")

    [pushed] = sent
    assert pushed["type"] == "people.changed"
    assert 'data-break-seq="2"' in pushed["html"]
    assert "did it" in pushed["html"]
    [person] = pushed["data"]["changed"]
    assert (person["user_id"], person["goal"], person["done_seq"]) == (
        bob.pk,
        "Fix <b>bug</b> 12",
        1,
    )


def test_a_check_out_kept_private_pushes_nothing(ended, bob, monkeypatch, deliver_at_once):
    sent = []
    monkeypatch.setattr(broadcast, "send_now", lambda group, message: sent.append(message))

    services.phase_check_out(by=bob, room_id=ended.pk, seq=1, outcome="done")

    assert sent == []


# --- Check-out: the panel (the page's edge) -----------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [("owner", 200), ("member", 200), ("outsider", 404), ("moderator", 404)],
)
def test_the_panel_is_only_for_people_who_were_in_the_phase(
    ended, alice, bob, charlie, moderator, persona, status
):
    by = {"owner": alice, "member": bob, "outsider": charlie, "moderator": moderator}[persona]

    response = signed_in(by).get(url(ended))

    assert response.status_code == status
    if status == 200:
        assert b"Did you do it?" in response.content


def test_anonymous_people_are_sent_to_log_in(ended):
    for response in (Client().get(url(ended)), Client().post(url(ended), {"outcome": "done"})):
        assert response.status_code == 302
        assert reverse("account_login") in response["Location"]
    assert not SessionHistory.objects.exclude(outcome="").exists()


def test_the_htmx_panel_shows_the_escaped_goal_and_three_answers(ended, bob):
    response = signed_in(bob).get(url(ended), {"in": "room"}, headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Fix &lt;b&gt;bug&lt;/b&gt; 12" in html and "<b>bug" not in html
    for value in ("done", "partly", "not_yet"):
        assert f'name="outcome" value="{value}"' in html
    assert "csrfmiddlewaretoken" in html
    assert " open" in html  # shows by itself
    assert 'data-role="checkout-close"' in html


def test_a_collapsed_panel_waits_for_a_click(ended, bob):
    html = signed_in(bob).get(url(ended), {"collapsed": "1"}, headers=HTMX).content.decode()

    assert "<details" in html and " open" not in html


def test_for_htmx_a_phase_not_ended_is_an_empty_answer(ended, bob):
    response = signed_in(bob).get(url(ended, seq=2), headers=HTMX)

    assert response.status_code == 200
    assert response.content == b""


def test_an_answered_phase_shows_its_answer_and_nothing_on_a_reload(ended, bob):
    services.phase_check_out(by=bob, room_id=ended.pk, seq=1, outcome="partly", note="half")
    client = signed_in(bob)

    answered = client.get(url(ended), headers=HTMX).content.decode()
    assert "Checked out: <span" in answered and "Partly" in answered and "half" in answered
    assert client.get(url(ended), {"unanswered": "1"}, headers=HTMX).content == b""
    editing = client.get(url(ended), {"edit": "1"}, headers=HTMX).content.decode()
    assert 'value="half"' in editing and 'aria-pressed="true"' in editing


def test_one_click_answers_and_the_panel_says_so(ended, bob, django_assert_num_queries):
    client = signed_in(bob)

    # session, user; the row under its lock and its save (in a savepoint, here in a test)
    with django_assert_num_queries(6):
        response = client.post(
            url(ended), {"outcome": "done", "note": "shipped", "in": "room"}, headers=HTMX
        )

    assert response.status_code == 200
    assert "Checked out: <span" in response.content.decode()
    assert (row(bob, ended).outcome, row(bob, ended).outcome_note) == ("done", "shipped")


def test_without_htmx_an_answer_goes_back_to_the_room(ended, bob):
    response = signed_in(bob).post(url(ended), {"outcome": "not_yet", "in": "room"})

    assert response.status_code == 302
    assert response["Location"] == ended.get_absolute_url()
    assert row(bob, ended).outcome == "not_yet"


@pytest.mark.parametrize(
    ("data", "seq", "message"),
    [
        ({"outcome": "nope"}, 1, "done, partly or not yet"),
        ({}, 1, "done, partly or not yet"),
        ({"outcome": "done", "note": "x" * 500}, 1, "280 characters"),
        ({"outcome": "done", "note": "\x00"}, 1, "can't contain"),
        ({"outcome": "done"}, 2, "hasn't ended yet"),
    ],
)
def test_bad_input_is_a_clear_message_never_a_500(ended, bob, data, seq, message):
    response = signed_in(bob).post(url(ended, seq=seq), data, headers=HTMX)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert row(bob, ended).outcome == ""


def test_ids_beyond_the_database_are_not_found(ended, bob):
    client = signed_in(bob)
    huge = 2**31
    for path in (
        reverse("stats:checkout", kwargs={"room_id": huge, "seq": 1}),
        reverse("stats:checkout", kwargs={"room_id": ended.pk, "seq": 2**63}),
    ):
        assert client.get(path).status_code == 404
        assert client.post(path, {"outcome": "done"}).status_code == 404


def test_the_panel_costs_a_fixed_number_of_queries(ended, bob, django_assert_num_queries):
    client = signed_in(bob)

    # session, user, the row with its room
    with django_assert_num_queries(3):
        response = client.get(url(ended), headers=HTMX)

    assert response.status_code == 200


def test_a_post_without_the_csrf_token_is_refused(ended, bob):
    client = Client(enforce_csrf_checks=True)
    client.force_login(bob)

    response = client.post(url(ended), {"outcome": "done"}, headers=HTMX)

    assert response.status_code == 403
    assert row(bob, ended).outcome == ""


def test_the_full_page_works_without_javascript(ended, bob):
    client = signed_in(bob)

    page = client.get(url(ended))
    assert page.status_code == 200
    assert b'name="viewport"' in page.content

    answered = client.post(url(ended), {"outcome": "partly"}, follow=True)
    assert "Checked out: Partly." in [str(m) for m in answered.context["messages"]]


def test_without_htmx_a_refusal_goes_back_where_it_was_asked(ended, bob):
    client = signed_in(bob)

    from_page = client.post(url(ended), {"outcome": "maybe"})
    from_room = client.post(url(ended), {"outcome": "maybe", "in": "room"})

    assert (from_page.status_code, from_page["Location"]) == (302, url(ended))
    assert (from_room.status_code, from_room["Location"]) == (302, ended.get_absolute_url())
    assert row(bob, ended).outcome == ""
