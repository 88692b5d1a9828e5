"""Errors are JSON `{"detail": ...}` with a status a client can act on."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_a_rate_limit_is_429_with_retry_after(api_as, alice):
    client = api_as(alice)
    statuses = [client.call("POST", "rooms/", {"name": f"Room {n}"}).status_code for n in range(11)]
    assert statuses == [201] * 10 + [429]
    refused = client.call("POST", "rooms/", {"name": "One more"})
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    assert "too often" in refused.json()["detail"]


def test_a_command_the_timer_state_refuses_is_409(api_as, alice, room):
    response = api_as(alice).call("POST", f"timer/{room.pk}/pause")
    assert response.status_code == 409
    assert response.json() == {"detail": "Only a running timer can be paused."}


def test_start_resumes_a_paused_timer(api_as, alice, room):
    client = api_as(alice)
    client.call("POST", f"timer/{room.pk}/start")
    assert client.call("POST", f"timer/{room.pk}/pause").json()["status"] == "paused"
    resumed = client.call("POST", f"timer/{room.pk}/start")
    assert resumed.status_code == 200
    assert resumed.json()["status"] == "running"


def test_invalid_input_is_422(api_as, alice):
    response = api_as(alice).call("POST", "rooms/", {"name": "", "work_minutes": 0})
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], list)


@pytest.mark.parametrize("text", ["nul\x00inside", "lone \ud800 surrogate"])
def test_text_postgresql_cannot_store_is_422_not_500(api_as, alice, text):
    response = api_as(alice).call("POST", "rooms/", {"name": text})
    assert response.status_code == 422


def test_an_id_past_the_integer_range_is_422(api_as, alice):
    assert api_as(alice).call("GET", f"rooms/{2**40}").status_code == 422


def test_a_service_validation_error_is_422_with_its_message(api_as, alice):
    response = api_as(alice).call("PUT", f"auth/profile/{alice.pk}", {"timezone": "Mars/Base"})
    assert response.status_code == 422
    assert "Mars/Base" in response.json()["detail"]


def test_a_duplicate_achievement_is_409(api_as, moderator):
    body = {
        "slug": "night-owl",
        "name": "Again",
        "description": "Duplicate",
        "icon": "⭐",
        "category": "sessions",
        "requirement_type": "work_sessions",
        "requirement_value": 1,
    }
    client = api_as(moderator)
    first = client.call("POST", "achievements/", body)
    second = client.call("POST", "achievements/", body)
    assert (first.status_code, second.status_code) == (201, 409)
    assert "already exists" in second.json()["detail"]


def test_joining_a_closed_room_is_409(api_as, alice, charlie, room):
    from rooms import services

    services.room_close(room=room, by=alice)
    response = api_as(alice).call("POST", "participants/join", {"room_id": room.pk})
    assert response.status_code == 409
    assert response.json() == {"detail": "This room is closed."}


def test_leaving_a_room_you_are_not_in_is_409(api_as, charlie, room):
    response = api_as(charlie).call("POST", "participants/leave", {"room_id": room.pk})
    assert response.status_code == 409


def test_a_nul_in_the_query_is_a_json_400(api_as, alice):
    response = api_as(alice).call("GET", "rooms/?q=a%00b")
    assert response.status_code == 400
    assert response.json() == {"detail": "That address isn't valid."}


def test_repeated_failed_logins_are_locked_out_like_the_login_page(alice, password):
    from api.tests.conftest import ApiClient

    client = ApiClient()
    statuses = [
        client.call("POST", "auth/login", {"username": "alice", "password": "wrong"}).status_code
        for _ in range(6)
    ]
    assert statuses[0] == 401
    assert statuses[-1] == 429
    # Locked out even with the right password, as on the page.
    right = client.call("POST", "auth/login", {"username": "alice", "password": password})
    assert right.status_code == 429
    assert right["Retry-After"]
