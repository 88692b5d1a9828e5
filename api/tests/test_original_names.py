"""The edge between the original API's names and ours: both spellings are published and
accepted, ids come as numbers or digit strings, and the original's bodies reach the same
rules as ours."""

from __future__ import annotations

import pytest
from django.test import Client

from api.tests.conftest import ApiClient

pytestmark = pytest.mark.django_db


def _schemas() -> dict:
    return Client().get("/api/v1/openapi.json").json()["components"]["schemas"]


@pytest.mark.parametrize(
    ("schema", "ours", "original"),
    [
        ("LoginIn", "username", "email"),
        ("RoomIn", "work_minutes", "work_duration"),
        ("RoomIn", "short_break_minutes", "break_duration"),
        ("RoomIn", "auto_start_breaks", "auto_start_break"),
        ("RoomUpdateIn", "work_minutes", "work_duration"),
        ("PostIn", "body", "content"),
        ("PostUpdateIn", "body", "content"),
        ("CommentIn", "body", "content"),
        ("CommentIn", "parent_id", "parent_comment_id"),
        ("CommentUpdateIn", "body", "content"),
        ("SendIn", "recipient_id", "receiver_id"),
        ("SendIn", "body", "content"),
    ],
)
def test_the_schema_shows_both_spellings(schema, ours, original):
    properties = _schemas()[schema]["properties"]
    assert original in properties[ours]["description"]
    assert ours in properties[original]["description"]
    assert properties[ours].get("type") == properties[original].get("type")


def test_a_required_field_may_come_in_either_spelling():
    send = _schemas()["SendIn"]
    assert "required" not in send  # neither name alone is required...
    assert {"anyOf": [{"required": ["body"]}, {"required": ["content"]}]} in send["allOf"]


def test_the_originals_bodies_are_published_too():
    schemas = _schemas()
    assert {"room_id", "username", "user_id"} <= set(schemas["JoinIn"]["properties"])
    assert "message_ids" in schemas["ReadIn"]["properties"]
    assert "username" in schemas["ProfileIn"]["properties"]


def test_ids_are_strings_in_answers_and_either_in_bodies(api_as, alice, bob):
    client = api_as(bob)
    for receiver_id in (alice.pk, str(alice.pk)):
        sent = client.call("POST", "messages/send", {"receiver_id": receiver_id, "content": "hi"})
        assert sent.status_code == 201, sent.content
        assert sent.json()["receiver_id"] == str(alice.pk)


@pytest.mark.parametrize("bad", ["alice", "-1", "1.5", "0", "", " 1", "١٢", True, 1.5, 2**31])
def test_a_bad_id_in_a_body_is_a_422(api_as, bob, bad):
    answer = api_as(bob).call("POST", "messages/send", {"receiver_id": bad, "content": "hi"})
    assert answer.status_code == 422, answer.content


def test_ours_wins_when_a_body_has_both(api_as, bob):
    room = api_as(bob).call(
        "POST", "rooms/", {"name": "Both", "work_minutes": 40, "work_duration": 30}
    )
    assert (room.json()["work_minutes"], room.json()["work_duration"]) == (40, 40)


def test_an_empty_body_is_an_empty_object(api_as, bob):
    """The original's clients POST the check with no body and no content type at all."""
    client = api_as(bob)
    answer = client.generic("POST", f"/api/v1/achievements/user/{bob.pk}/check", b"")
    assert answer.status_code == 200, answer.content
    broken = client.generic("POST", "/api/v1/rooms/", b"{not json", content_type="application/json")
    assert broken.status_code == 400


def test_a_post_names_its_category_by_slug_or_name(api_as, bob):
    client = api_as(bob)
    for category in ("study-tips", "Study tips", "study_tips"):
        post = client.call(
            "POST", "community/posts", {"title": "T", "content": "c", "category": category}
        )
        assert post.status_code == 201, post.content
        assert post.json()["category"] == "study-tips"
    unknown = client.call(
        "POST", "community/posts", {"title": "T", "content": "c", "category": "x"}
    )
    assert unknown.status_code == 422


def test_marking_no_message_ids_marks_nothing(api_as, alice, bob):
    from messaging.services import message_send

    message = message_send(sender=alice, recipient=bob, body="hello")
    path = f"messages/conversations/{message.conversation_id}/read"
    client = api_as(bob)
    nothing = client.call("POST", path, {"message_ids": []}).json()
    assert (nothing["marked_count"], nothing["new_unread_count"]) == (0, 1)
    marked = client.call("POST", path, {"message_ids": [str(message.pk)]}).json()
    assert (marked["marked_count"], marked["new_unread_count"]) == (1, 0)
    again = client.call("POST", path, {"message_ids": [message.pk]}).json()
    assert again["marked_count"] == 0


def test_a_senders_view_shows_whether_the_receiver_read_it(api_as, alice, bob):
    from messaging.services import message_send

    message = message_send(sender=alice, recipient=bob, body="hello")
    path = f"messages/conversations/{message.conversation_id}"
    alice_client, bob_client = api_as(alice), api_as(bob)
    assert [m["is_read"] for m in alice_client.call("GET", path).json()["messages"]] == [False]
    bob_client.call("POST", f"{path}/read", {})
    assert [m["is_read"] for m in alice_client.call("GET", path).json()["messages"]] == [True]


class TestProfileRename:
    def test_a_rename_follows_the_signup_rules(self, api_as, alice, bob):
        client = api_as(bob)
        path = f"auth/profile/{bob.pk}"
        assert client.call("PUT", path, {"username": "ALICE"}).status_code == 422  # taken
        assert client.call("PUT", path, {"username": "no spaces"}).status_code == 422
        renamed = client.call("PUT", path, {"username": "Bobby", "bio": "Hi"})
        assert (renamed.json()["username"], renamed.json()["bio"]) == ("Bobby", "Hi")
        assert client.call("PUT", path, {"username": "bobby"}).json()["username"] == "bobby"

    def test_a_refused_field_keeps_the_old_name(self, api_as, bob):
        client = api_as(bob)
        refused = client.call(
            "PUT", f"auth/profile/{bob.pk}", {"username": "robert", "timezone": "Mars/Base"}
        )
        assert refused.status_code == 422
        bob.refresh_from_db()
        assert bob.username == "bob"

    def test_nobody_renames_someone_else(self, api_as, alice, charlie):
        answer = api_as(charlie).call("PUT", f"auth/profile/{alice.pk}", {"username": "pwned"})
        assert answer.status_code == 403
        alice.refresh_from_db()
        assert alice.username == "alice"


def test_someone_elses_profile_shows_no_email_address(api_as, alice, bob):
    mine = api_as(alice).call("GET", f"auth/profile/{alice.pk}").json()
    theirs = api_as(bob).call("GET", f"auth/profile/{alice.pk}").json()
    assert mine["email"] == "alice@example.com"
    assert theirs["email"] == ""
    assert theirs["is_verified"] is False  # alice never confirmed hers


def test_a_users_totals_count_their_credited_work(api_as, alice, room):
    from datetime import timedelta

    from django.utils import timezone

    from stats.models import SessionHistory

    now = timezone.now()
    SessionHistory.objects.create(
        user=alice,
        room=room,
        kind="work",
        seq=1,
        started_at=now - timedelta(minutes=25),
        ended_at=now,
        seconds_credited=25 * 60 + 59,
    )
    me = api_as(alice).call("GET", f"auth/profile/{alice.pk}").json()
    assert (me["total_focus_time"], me["total_sessions"]) == (25, 1)
    assert me["total_focus_seconds"] == 25 * 60 + 59


def test_a_timer_paused_says_when(api_as, alice, room):
    import time_machine

    client = api_as(alice)
    with time_machine.travel("2026-03-02 09:00Z", tick=False) as clock:
        started = client.call("POST", f"timer/{room.pk}/start").json()
        clock.shift(60)
        paused = client.call("POST", f"timer/{room.pk}/pause").json()
        assert paused["paused_at"] == paused["server_now"] == "2026-03-02T09:01:00Z"
        assert paused["remaining_seconds"] == 24 * 60
        clock.shift(600)
        resumed = client.call("POST", f"timer/{room.pk}/start").json()
    assert resumed["paused_at"] is None
    assert resumed["started_at"] == paused["started_at"] == started["started_at"]
    assert resumed["remaining_seconds"] == 24 * 60


def test_anonymous_is_still_refused_in_either_spelling():
    answer = ApiClient().call("POST", "messages/send", {"receiver_id": "1", "content": "hi"})
    assert answer.status_code == 401
