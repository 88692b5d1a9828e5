"""Goals and check-outs in the API: on participants, in the history, and posted."""

from __future__ import annotations

from datetime import timedelta

import pytest

from rooms import services as room_services
from rooms.tests.helpers import T0
from stats.models import SessionHistory
from timers import services as timer_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def ended(alice, bob, time_machine):
    """The first work phase (seq 1) of Alice's room (Bob is in it) ended with goals; a
    break runs."""
    time_machine.move_to(T0, tick=False)
    room = room_services.room_create(owner=alice, name="Thesis writing", work_minutes=25)
    room_services.room_join(room=room, user=bob)
    room_services.participant_set_intention(room=room, user=bob, intention="Fix bug 12")
    timer_services.timer_command(room=room, by=alice, action="start", now=T0)
    timer_services.timers_advance_due(now=T0 + timedelta(minutes=26))
    return room


def bobs_row(room) -> SessionHistory:
    return SessionHistory.objects.get(user__username="bob", room=room, seq=1)


def test_the_history_lists_my_phases_with_goal_and_outcome(api_as, ended, bob):
    row = bobs_row(ended)
    row.outcome, row.outcome_note = "partly", "half"
    row.save()

    response = api_as(bob).call("GET", "stats/history")

    assert response.status_code == 200
    [item] = response.json()
    assert item["id"] == str(row.pk)
    assert (item["kind"], item["seq"], item["room_name"]) == ("work", 1, ended.name)
    assert (item["goal"], item["outcome"], item["note"]) == ("Fix bug 12", "partly", "half")


def test_an_outcome_posted_by_id_then_changed(api_as, ended, bob):
    client = api_as(bob)
    path = f"stats/history/{bobs_row(ended).pk}/outcome"

    first = client.call("POST", path, {"outcome": "not_yet", "note": "stuck"})
    second = client.call("POST", path, {"outcome": "done"})

    assert first.status_code == second.status_code == 200
    assert (second.json()["outcome"], second.json()["note"]) == ("done", "")
    assert bobs_row(ended).outcome == "done"


def test_an_outcome_posted_by_room_and_phase(api_as, ended, bob):
    response = api_as(bob).call(
        "POST", "stats/checkout", {"room_id": str(ended.pk), "seq": 1, "outcome": "done"}
    )

    assert response.status_code == 200
    assert (response.json()["goal"], response.json()["outcome"]) == ("Fix bug 12", "done")


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        ({"outcome": "done", "seq": 2}, 409, "hasn't ended yet"),
        ({"outcome": "finished", "seq": 1}, 422, "outcome"),
        ({"outcome": "done", "seq": 1, "note": "x" * 281}, 422, "note"),
        ({"outcome": "done", "seq": 1, "note": "a\x00"}, 422, "NUL"),
        ({"outcome": "done", "seq": 2**31}, 422, "seq"),
        ({"outcome": "done"}, 422, "seq"),
    ],
)
def test_bad_check_outs_are_clear_errors(api_as, ended, bob, body, status, detail):
    response = api_as(bob).call("POST", "stats/checkout", {"room_id": ended.pk, **body})

    assert response.status_code == status, response.content
    assert detail in str(response.json()["detail"])
    assert bobs_row(ended).outcome == ""


def test_someone_elses_row_is_refused(api_as, ended, alice):
    response = api_as(alice).call(
        "POST", f"stats/history/{bobs_row(ended).pk}/outcome", {"outcome": "done"}
    )

    assert response.status_code == 403
    assert response.json() == {"detail": "You can only check out your own sessions."}


def test_a_missing_row_is_404(api_as, bob, db):
    response = api_as(bob).call("POST", "stats/history/999999/outcome", {"outcome": "done"})

    assert response.status_code == 404


def test_participants_carry_their_goal_and_their_shown_check_out(api_as, ended, alice, bob):
    bob.show_checkouts = True
    bob.save()
    api_as(bob).call("POST", "stats/checkout", {"room_id": ended.pk, "seq": 1, "outcome": "done"})
    alice_row = SessionHistory.objects.get(user=alice, room=ended, seq=1)
    alice_row.outcome = "done"  # done, but she keeps her check-outs to herself
    alice_row.save()

    response = api_as(alice).call("GET", f"participants/{ended.pk}")

    people = {p["username"]: p for p in response.json()["participants"]}
    assert (people["bob"]["goal"], people["bob"]["done_seq"]) == ("Fix bug 12", 1)
    assert people["bob"]["intention"] == "Fix bug 12"  # the old field stays
    assert (people["alice"]["goal"], people["alice"]["done_seq"]) == ("", None)


def test_history_pins_its_queries(api_as, ended, bob, django_assert_num_queries):
    client = api_as(bob)

    # the token with its user; the rows with their rooms
    with django_assert_num_queries(2):
        response = client.call("GET", "stats/history?limit=100")

    assert response.status_code == 200
