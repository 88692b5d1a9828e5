"""The original FastAPI backend let an outsider do these; here each is refused and
changes nothing. (Reading someone else's direct messages is tested with the Messages
routes; forging a timer update over the socket in test_socket.py.)"""

from __future__ import annotations

import pytest

from rooms.models import Room
from timers.models import Timer

pytestmark = pytest.mark.django_db


def test_an_outsider_cannot_update_someone_elses_profile(api_as, alice, charlie):
    response = api_as(charlie).call("PUT", f"auth/profile/{alice.pk}", {"bio": "pwned"})
    assert response.status_code == 403
    alice.refresh_from_db()
    assert alice.bio != "pwned"


def test_an_outsider_cannot_delete_someone_elses_public_room(api_as, charlie, room):
    response = api_as(charlie).call("DELETE", f"rooms/{room.pk}")
    assert response.status_code == 403
    assert Room.objects.get(pk=room.pk).is_active


def test_a_member_cannot_delete_the_owners_room(api_as, bob, room):
    assert api_as(bob).call("DELETE", f"rooms/{room.pk}").status_code == 403
    assert Room.objects.get(pk=room.pk).is_active


def test_an_outsider_cannot_command_a_public_rooms_timer_without_joining(api_as, charlie, room):
    response = api_as(charlie).call("POST", f"timer/{room.pk}/start")
    assert response.status_code == 403
    assert Timer.objects.get(room=room).status == "idle"


def test_a_member_cannot_command_an_owner_controlled_timer(api_as, alice, bob, room):
    api_as(alice).call("PUT", f"rooms/{room.pk}", {"control": "owner"})
    response = api_as(bob).call("POST", f"timer/{room.pk}/start")
    assert response.status_code == 403
    assert Timer.objects.get(room=room).status == "idle"


def test_an_outsider_cannot_set_someone_elses_status(api_as, alice, bob, room):
    participant = room.participants.get(user=bob)
    response = api_as(alice).call(
        "PUT", f"participants/{participant.pk}/status", {"intention": "forged"}
    )
    assert response.status_code == 403
    participant.refresh_from_db()
    assert participant.intention == ""


def test_private_statistics_stay_private(api_as, alice, charlie):
    type(alice).objects.filter(pk=alice.pk).update(stats_public=False)
    assert api_as(charlie).call("GET", f"stats/user/{alice.pk}").status_code == 403
    assert api_as(charlie).call("GET", f"achievements/user/{alice.pk}").status_code == 403
    assert api_as(alice).call("GET", f"stats/user/{alice.pk}").status_code == 200


def test_nobody_checks_someone_elses_achievements(api_as, alice, moderator):
    assert api_as(moderator).call("POST", f"achievements/user/{alice.pk}/check").status_code == 403


def test_a_client_cannot_post_credited_history(api_as, alice, room):
    from stats.models import SessionHistory

    response = api_as(alice).call(
        "POST", "stats/session", {"room_id": room.pk, "duration_minutes": 600}
    )
    assert response.status_code == 200
    assert response.json()["recorded"] is False
    assert not SessionHistory.objects.exists()


def test_a_private_room_is_joined_only_with_its_invite_key(api_as, charlie, private_room):
    client = api_as(charlie)
    wrong = client.call(
        "POST", "participants/join", {"room_id": private_room.pk, "invite_token": "guess"}
    )
    assert wrong.status_code == 404
    joined = client.call(
        "POST",
        "participants/join",
        {"room_id": private_room.pk, "invite_token": private_room.invite_token},
    )
    assert joined.status_code == 200
    assert client.call("GET", f"rooms/{private_room.pk}").status_code == 200
    assert client.call("GET", f"rooms/{private_room.pk}").json()["invite_token"] is None


def test_an_outsider_cannot_read_someone_elses_direct_messages(api_as, alice, bob, charlie):
    from messaging.services import message_send

    message = message_send(sender=alice, recipient=bob, body="Just between us")
    outsider = api_as(charlie)
    conversation = message.conversation_id
    for method, path in [
        ("GET", f"messages/conversations/{conversation}"),
        ("POST", f"messages/conversations/{conversation}/read"),
    ]:
        answer = outsider.call(method, path, {} if method == "POST" else None)
        assert answer.status_code == 404
        assert "Just between us" not in answer.content.decode()
    listed = outsider.call("GET", "messages/conversations").json()
    assert listed == []


def test_nobody_joins_or_leaves_a_room_as_someone_else(api_as, alice, bob, room):
    """The original took `user_id` from the body; here it must be the caller's own."""
    from rooms.models import Participant

    client = api_as(bob)
    for path in ("participants/join", "participants/leave"):
        body = {"room_id": str(room.pk), "username": "alice", "user_id": str(alice.pk)}
        assert client.call("POST", path, body).status_code == 403
    assert Participant.objects.present().filter(room=room).count() == 2
