"""A typical session of a client written against Focus Mate's own names (`body`,
`recipient_id`, `work_minutes`, login by username…), replayed: the richer fields our
answers carry beside the original's. (The original's client: test_original_client.py.)"""

from __future__ import annotations

import pytest

from api.tests.conftest import ApiClient

pytestmark = pytest.mark.django_db

OUR_USER_KEYS = {
    "id",
    "username",
    "bio",
    "timezone",
    "avatar_url",
    "stats_public",
    "on_leaderboard",
    "date_joined",
    "total_focus_seconds",
}
OUR_TIMER_KEYS = {
    "room_id",
    "version",
    "status",
    "phase",
    "seq",
    "cycle",
    "ends_at",
    "phase_started_at",
    "paused_at",
    "remaining_seconds",
    "duration_seconds",
    "server_now",
    "actions",
    "settings",
}


def _register(name: str) -> tuple[ApiClient, dict]:
    answer = ApiClient().call(
        "POST",
        "auth/register",
        {"username": name, "email": f"{name}@example.com", "password": "a long enough passphrase"},
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert set(body) == {"access_token", "token_type", "expires_at", "user"}
    assert set(body["user"]) >= OUR_USER_KEYS
    return ApiClient(body["access_token"]), body["user"]


def test_a_client_session_in_focus_mates_own_names():
    _register("dana")
    login = ApiClient().call(
        "POST", "auth/login", {"username": "dana", "password": "a long enough passphrase"}
    )
    assert login.status_code == 200
    dana = ApiClient(login.json()["access_token"])
    me = login.json()["user"]

    profile = dana.call("PUT", f"auth/profile/{me['id']}", {"bio": "Writing a thesis"})
    assert profile.json()["bio"] == "Writing a thesis"

    created = dana.call("POST", "rooms/", {"name": "Thesis sprint", "work_minutes": 50})
    assert created.status_code == 201
    room = created.json()
    assert room["owner"] == {"id": me["id"], "username": "dana"}
    assert room["work_minutes"] == 50
    assert room["id"].isdigit()

    started = dana.call("POST", f"timer/{room['id']}/start")
    assert set(started.json()) >= OUR_TIMER_KEYS
    assert started.json()["status"] == "running"
    assert started.json()["remaining_seconds"] == 50 * 60

    state = dana.call("GET", f"timer/{room['id']}").json()
    assert state["status"] == "running"
    assert state["ends_at"] == started.json()["ends_at"]

    eli, eli_user = _register("eli")
    found = eli.call("GET", "rooms/?q=thesis").json()
    assert [r["id"] for r in found] == [room["id"]]
    joined = eli.call("POST", "participants/join", {"room_id": int(room["id"])})
    assert joined.status_code == 200
    participant = joined.json()
    assert participant["user"] == {"id": eli_user["id"], "username": "eli"}

    status = eli.call(
        "PUT", f"participants/{participant['id']}/status", {"intention": "Related work"}
    )
    assert status.json()["intention"] == "Related work"

    people = dana.call("GET", f"participants/{room['id']}").json()
    assert people["count"] == 2
    assert {p["user"]["username"] for p in people["participants"]} == {"dana", "eli"}

    assert eli.call("POST", f"timer/{room['id']}/pause").json()["status"] == "paused"
    skipped = eli.call("POST", f"timer/{room['id']}/complete").json()
    assert skipped["phase"] == "short_break"

    stats = eli.call("GET", f"stats/user/{me['id']}?days=30").json()
    assert stats["work_sessions"] == 0  # a skipped phase is not credited
    assert len(stats["daily"]) == 30

    assert dana.call("POST", f"achievements/user/{me['id']}/check").status_code == 200
    assert dana.call("GET", f"achievements/user/{me['id']}/progress").json()

    posted = dana.call(
        "POST", "community/posts", {"title": "Chapter 2", "body": "Done with *drafting*."}
    )
    assert posted.status_code == 201
    post = posted.json()
    assert post["author"] == {"id": me["id"], "username": "dana"}
    assert post["body_html"] == "<p>Done with <em>drafting</em>.</p>\n"
    comment = eli.call("POST", f"community/posts/{post['id']}/comments", {"body": "Congrats"})
    assert comment.status_code == 201
    reply = dana.call(
        "POST",
        f"community/posts/{post['id']}/comments",
        {"body": "Thanks!", "parent_id": int(comment.json()["id"])},
    ).json()
    assert reply["parent_id"] == comment.json()["id"]
    liked = eli.call("POST", f"community/posts/{post['id']}/like").json()
    assert liked == {"liked": True, "like_count": 1, "likes": 1}
    tree = eli.call("GET", f"community/posts/{post['id']}/comments").json()
    assert [c["body"] for c in tree] == ["Congrats"]
    assert [r["body"] for r in tree[0]["replies"]] == ["Thanks!"]

    sent = eli.call(
        "POST", "messages/send", {"recipient_id": int(me["id"]), "body": "Coffee later?"}
    )
    assert sent.status_code == 201
    assert dana.call("GET", "messages/unread-count").json()["unread"] == 1
    inbox = dana.call("GET", "messages/conversations").json()
    assert inbox[0]["other"]["username"] == "eli" and inbox[0]["unread"] == 1
    conversation = dana.call("GET", f"messages/conversations/{inbox[0]['id']}").json()
    assert [m["body"] for m in conversation["messages"]] == ["Coffee later?"]
    read = dana.call("POST", f"messages/conversations/{inbox[0]['id']}/read", {}).json()
    assert (read["read_up_to"], read["unread_total"]) == (sent.json()["id"], 0)

    assert eli.call("POST", "participants/leave", {"room_id": room["id"]}).json()["left_at"]
    assert dana.call("DELETE", f"rooms/{room['id']}").json()["is_active"] is False
    assert dana.call("POST", "auth/logout").status_code == 200
    assert dana.call("GET", "rooms/").status_code == 401
