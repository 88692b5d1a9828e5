"""A whole session of a client written against the original FastAPI backend, replayed.

Every body it sends and every field it reads comes from the original's schemas as
issue #17 lists them, never from our own answers: the shapes below are that list, with
the JSON type each field had (ids were strings). Our richer fields may stand beside
them; nothing here looks at them.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from api.tests.conftest import ApiClient

pytestmark = pytest.mark.django_db

ID = "a string of digits"
TIME = "an ISO 8601 date and time"
NULL = type(None)


def optional(kind):
    return (kind, NULL)


USER = {
    "id": ID,
    "email": str,
    "username": str,
    "is_active": bool,
    "is_verified": bool,
    "bio": str,
    "total_focus_time": int,
    "total_sessions": int,
    "created_at": TIME,
    "updated_at": optional(TIME),
}
TOKEN = {"access_token": str, "token_type": "bearer", "user": USER}
ROOM = {
    "id": ID,
    "name": str,
    "work_duration": int,
    "break_duration": int,
    "auto_start_break": bool,
    "is_active": bool,
    "host_id": ID,
    "created_at": TIME,
    "updated_at": optional(TIME),
}
TIMER = {
    "id": ID,
    "room_id": ID,
    "status": str,
    "phase": str,
    "duration": int,
    "remaining_seconds": int,
    "started_at": optional(TIME),
    "paused_at": optional(TIME),
    "is_auto_start": bool,
}
PARTICIPANT = {
    "id": ID,
    "room_id": ID,
    "user_id": ID,
    "username": str,
    "is_connected": bool,
    "is_host": bool,
    "joined_at": TIME,
    "left_at": optional(TIME),
}
PARTICIPANTS = {"participants": [PARTICIPANT], "total": int}
POST_IN_LIST = {
    "id": ID,
    "user_id": ID,
    "title": str,
    "category": str,
    "likes": int,
    "comment_count": int,
    "is_pinned": bool,
    "author_username": str,
}
POST = {**POST_IN_LIST, "content": str}
COMMENT = {
    "id": ID,
    "post_id": ID,
    "user_id": ID,
    "content": str,
    "parent_comment_id": optional(ID),
    "likes": int,
    "replies": list,  # of comments: checked one level down below
}
MESSAGE = {
    "id": ID,
    "conversation_id": ID,
    "sender_id": ID,
    "receiver_id": ID,
    "content": str,
    "is_read": bool,
    "read_at": optional(TIME),
    "created_at": TIME,
    "sender_username": str,
    "receiver_username": str,
}
CONVERSATION = {
    "id": ID,
    "other_user_id": ID,
    "other_user_username": str,
    "last_message": optional(str),
    "last_message_at": optional(TIME),
    "unread_count": int,
}
CONVERSATION_DETAIL = {"conversation": CONVERSATION, "messages": [MESSAGE]}
MARKED_READ = {"marked_count": int, "conversation_id": ID, "new_unread_count": int}
PROGRESS = {
    "achievement": dict,
    "is_unlocked": bool,
    "progress": int,
    "progress_percentage": (int, float),
    "unlocked_at": optional(TIME),
}


def conforms(value, shape, where: str = "answer") -> None:
    """Fails with the path of the first field that is missing or of the wrong JSON type."""
    if isinstance(shape, dict):
        assert isinstance(value, dict), f"{where} is not an object: {value!r}"
        for name, field in shape.items():
            assert name in value, f"{where}.{name} is missing"
            conforms(value[name], field, f"{where}.{name}")
    elif isinstance(shape, list):
        assert isinstance(value, list), f"{where} is not a list: {value!r}"
        for index, item in enumerate(value):
            conforms(item, shape[0], f"{where}[{index}]")
    elif isinstance(shape, tuple):
        errors = []
        for option in shape:
            try:
                conforms(value, option, where)
                return
            except AssertionError as error:
                errors.append(str(error))
        raise AssertionError(" / ".join(errors))
    elif shape == ID:
        assert isinstance(value, str) and value.isascii() and value.isdigit(), (
            f"{where} is not an id string: {value!r}"
        )
    elif shape == TIME:
        assert isinstance(value, str), f"{where} is not a time string: {value!r}"
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    elif isinstance(shape, str):
        assert value == shape, f"{where} is {value!r}, not {shape!r}"
    elif shape is int:  # JSON true is not a number
        assert isinstance(value, int) and not isinstance(value, bool), f"{where}: {value!r}"
    else:
        assert isinstance(value, shape), f"{where} is not {shape.__name__}: {value!r}"


def ok(response, status: int = 200):
    assert response.status_code == status, response.content
    return response.json()


PASSPHRASE = "a long enough passphrase"


def test_a_client_of_the_original_api_runs_its_whole_session():
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False) as clock:
        _session(clock)


def _session(clock) -> None:
    anonymous = ApiClient()
    for name in ("dana", "eli"):
        body = {"email": f"{name}@example.com", "username": name, "password": PASSPHRASE}
        conforms(ok(anonymous.call("POST", "auth/register", body), 201), TOKEN)

    # Logging in by email, as the original did.
    def login(name: str) -> tuple[ApiClient, dict]:
        body = {"email": f"{name}@example.com", "password": PASSPHRASE}
        token = ok(anonymous.call("POST", "auth/login", body))
        conforms(token, TOKEN)
        return ApiClient(token["access_token"]), token["user"]

    dana, dana_user = login("dana")
    eli, eli_user = login("eli")
    assert dana_user["email"] == "dana@example.com"

    profile = ok(
        dana.call("PUT", f"auth/profile/{dana_user['id']}", {"username": "dana_r", "bio": "Thesis"})
    )
    conforms(profile, USER)
    assert (profile["username"], profile["bio"]) == ("dana_r", "Thesis")

    room = ok(
        dana.call(
            "POST",
            "rooms/",
            {"name": "Thesis", "work_duration": 50, "break_duration": 10, "auto_start_break": True},
        ),
        201,
    )
    conforms(room, ROOM)
    assert (room["work_duration"], room["break_duration"], room["auto_start_break"]) == (
        50,
        10,
        True,
    )
    assert room["host_id"] == dana_user["id"]
    defaults = ok(dana.call("POST", "rooms/", {"name": "Quick"}), 201)
    assert (defaults["work_duration"], defaults["break_duration"]) == (25, 5)
    assert defaults["auto_start_break"] is True

    started = ok(dana.call("POST", f"timer/{room['id']}/start"))
    conforms(started, TIMER)
    assert (started["status"], started["room_id"]) == ("running", room["id"])
    assert started["duration"] == started["remaining_seconds"] == 50 * 60
    assert started["is_auto_start"] is True  # the break after this work phase
    clock.shift(90)
    state = ok(eli.call("GET", f"timer/{room['id']}"))
    conforms(state, TIMER)
    assert state["remaining_seconds"] == 50 * 60 - 90
    assert state["started_at"] == started["started_at"]

    joined = ok(
        eli.call(
            "POST",
            "participants/join",
            {"room_id": room["id"], "username": "eli", "user_id": eli_user["id"]},
        )
    )
    conforms(joined, PARTICIPANT)
    assert (joined["user_id"], joined["is_host"]) == (eli_user["id"], False)
    people = ok(eli.call("GET", f"participants/{room['id']}"))
    conforms(people, PARTICIPANTS)
    assert people["total"] == 2
    assert {p["username"]: p["is_host"] for p in people["participants"]} == {
        "dana_r": True,
        "eli": False,
    }

    paused = ok(dana.call("POST", f"timer/{room['id']}/pause"))
    conforms(paused, TIMER)
    assert paused["paused_at"] is not None

    post = ok(
        dana.call(
            "POST",
            "community/posts",
            {"title": "Chapter 2", "content": "Done with drafting.", "category": "general"},
        ),
        201,
    )
    conforms(post, POST)
    assert (post["content"], post["category"], post["author_username"]) == (
        "Done with drafting.",
        "general",
        "dana_r",
    )
    comment = ok(
        eli.call("POST", f"community/posts/{post['id']}/comments", {"content": "Congrats"}), 201
    )
    conforms(comment, COMMENT)
    reply = ok(
        dana.call(
            "POST",
            f"community/posts/{post['id']}/comments",
            {"content": "Thanks!", "parent_comment_id": comment["id"]},
        ),
        201,
    )
    conforms(reply, COMMENT)
    assert reply["parent_comment_id"] == comment["id"]
    ok(eli.call("POST", f"community/posts/{post['id']}/like"))
    listed = ok(eli.call("GET", "community/posts"))
    conforms(listed, [POST_IN_LIST])
    assert listed[0]["likes"] == 1
    conforms(ok(eli.call("GET", f"community/posts/{post['id']}")), POST)
    tree = ok(eli.call("GET", f"community/posts/{post['id']}/comments"))
    conforms(tree, [COMMENT])
    conforms(tree[0]["replies"], [COMMENT])
    assert [r["content"] for r in tree[0]["replies"]] == ["Thanks!"]

    sent = ok(
        eli.call(
            "POST", "messages/send", {"receiver_id": dana_user["id"], "content": "Coffee later?"}
        ),
        201,
    )
    conforms(sent, MESSAGE)
    assert (sent["receiver_id"], sent["is_read"]) == (dana_user["id"], False)
    inbox = ok(dana.call("GET", "messages/conversations"))
    conforms(inbox, [CONVERSATION])
    assert (inbox[0]["other_user_username"], inbox[0]["unread_count"]) == ("eli", 1)
    detail = ok(dana.call("GET", f"messages/conversations/{inbox[0]['id']}"))
    conforms(detail, CONVERSATION_DETAIL)
    assert [m["content"] for m in detail["messages"]] == ["Coffee later?"]
    marked = ok(
        dana.call(
            "POST", f"messages/conversations/{inbox[0]['id']}/read", {"message_ids": [sent["id"]]}
        )
    )
    conforms(marked, MARKED_READ)
    assert (marked["marked_count"], marked["new_unread_count"]) == (1, 0)
    assert marked["conversation_id"] == inbox[0]["id"]
    assert ok(dana.call("GET", "messages/unread-count"))["unread_count"] == 0
    seen = ok(eli.call("GET", f"messages/conversations/{inbox[0]['id']}"))
    assert [m["is_read"] for m in seen["messages"]] == [True]

    assert isinstance(ok(dana.call("GET", f"stats/user/{dana_user['id']}")), dict)
    ok(eli.call("POST", f"achievements/user/{eli_user['id']}/check", {"user_id": eli_user["id"]}))
    progress = ok(eli.call("GET", f"achievements/user/{eli_user['id']}/progress"))
    conforms(progress, [PROGRESS])
    assert any(item["is_unlocked"] for item in progress)  # eli joined a room

    left = ok(eli.call("POST", "participants/leave", {"room_id": room["id"], "username": "eli"}))
    conforms(left, PARTICIPANT)
    assert left["left_at"] is not None
