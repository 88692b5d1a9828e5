"""Every endpoint, for every persona: Alice owns a private room, Bob joined it with its
invite link, Charlie has no access, the moderator is staff but not in the room, and an
anonymous caller has no token.

A room the caller may not see is a 404 (a private room is not confirmed to exist); a
room they see but may not change is a 403; no token is a 401.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import PASSWORD
from community import services as community_services
from community.models import Category
from messaging import services as messaging_services
from partners import services as partner_services
from rooms import services as room_services
from rooms.models import Participant
from scheduling import bookings
from scheduling import services as schedule_services
from stats.models import SessionHistory
from timers.services import timer_command

pytestmark = pytest.mark.django_db

PERSONAS = ("owner", "member", "outsider", "moderator", "anonymous")
USERS = ("owner", "member", "outsider", "moderator")


@dataclass
class World:
    people: dict
    room: object
    bob_participant: Participant
    post: object = None  # Alice's, in General
    comment: object = None  # Alice's, on her post
    conversation: object = None  # between Alice and Bob
    session: object = None  # Alice's scheduled session in her room; Bob booked it
    owner_session: object = None  # Alice's work phase 1 in the room (Bob was there too)
    partner_booking: object = None  # Alice's 1:1 partner booking, matched with Bob's

    def id_of(self, persona: str) -> int:
        return self.people[persona].pk


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: Callable[[World], str]
    expected: dict[str, int]
    body: Callable[[World, str], dict] | None = None
    running: bool = False  # the room's timer runs before the call
    ok_keys: set[str] = field(default_factory=set)  # keys a 2xx answer must carry
    # The same request as the original API's clients send it (its names, string ids).
    original: Callable[[World, str], dict] | None = None

    def __str__(self) -> str:
        return self.name


def everyone(status: int, anonymous: int = 401) -> dict[str, int]:
    return {**dict.fromkeys(USERS, status), "anonymous": anonymous}


def room_people(ok: int, *, member: int | None = None) -> dict[str, int]:
    """Owner `ok`, member `member` (default ok), outsiders 404, anonymous 401."""
    return {
        "owner": ok,
        "member": ok if member is None else member,
        "outsider": 404,
        "moderator": 404,
        "anonymous": 401,
    }


def only(persona: str, ok: int) -> dict[str, int]:
    return {**dict.fromkeys(USERS, 403), persona: ok, "anonymous": 401}


CASES = [
    Case(
        "register",
        "POST",
        lambda w: "auth/register",
        everyone(201, anonymous=201),
        body=lambda w, p: {
            "username": f"new-{p}",
            "email": f"new-{p}@example.com",
            "password": "a long enough passphrase",
        },
        ok_keys={"access_token", "user"},
    ),
    Case(
        "login",
        "POST",
        lambda w: "auth/login",
        everyone(200),
        body=lambda w, p: {
            "username": w.people[p].username if p in w.people else "nobody",
            "password": PASSWORD,
        },
        ok_keys={"access_token", "user"},
        original=lambda w, p: {
            "email": w.people[p].email if p in w.people else "nobody@example.com",
            "password": PASSWORD,
        },
    ),
    Case(
        "refresh",
        "POST",
        lambda w: "auth/refresh",
        everyone(200),
        ok_keys={"access_token", "token_type", "expires_at", "user"},
    ),
    Case("logout", "POST", lambda w: "auth/logout", everyone(200), ok_keys={"ok"}),
    Case(
        "profile read",
        "GET",
        lambda w: f"auth/profile/{w.id_of('owner')}",
        everyone(200),
        ok_keys={"username"},
    ),
    Case(
        "profile update",
        "PUT",
        lambda w: f"auth/profile/{w.id_of('owner')}",
        only("owner", 200),
        body=lambda w, p: {"bio": f"written by {p}"},
        ok_keys={"bio"},
        original=lambda w, p: {"username": f"renamed-{p}", "bio": f"written by {p}"},
    ),
    Case(
        "room create",
        "POST",
        lambda w: "rooms/",
        everyone(201),
        body=lambda w, p: {"name": f"{p}'s room"},
        ok_keys={"id", "name"},
        original=lambda w, p: {
            "name": f"{p}'s room",
            "work_duration": 50,
            "break_duration": 10,
            "auto_start_break": False,
        },
    ),
    Case("room list", "GET", lambda w: "rooms/", everyone(200)),
    Case("room read", "GET", lambda w: f"rooms/{w.room.pk}", room_people(200), ok_keys={"id"}),
    Case(
        "room update",
        "PUT",
        lambda w: f"rooms/{w.room.pk}",
        room_people(200, member=403),
        body=lambda w, p: {"name": "Renamed"},
        ok_keys={"name"},
        original=lambda w, p: {"name": "Renamed", "work_duration": 30, "auto_start_break": False},
    ),
    Case(
        "room close",
        "DELETE",
        lambda w: f"rooms/{w.room.pk}",
        room_people(200, member=403),
        ok_keys={"is_active"},
    ),
    Case(
        "timer state", "GET", lambda w: f"timer/{w.room.pk}", room_people(200), ok_keys={"status"}
    ),
    Case("timer start", "POST", lambda w: f"timer/{w.room.pk}/start", room_people(200)),
    Case(
        "timer pause", "POST", lambda w: f"timer/{w.room.pk}/pause", room_people(200), running=True
    ),
    Case(
        "timer reset", "POST", lambda w: f"timer/{w.room.pk}/reset", room_people(200), running=True
    ),
    Case(
        "timer complete",
        "POST",
        lambda w: f"timer/{w.room.pk}/complete",
        room_people(200),
        running=True,
    ),
    Case(
        "join",
        "POST",
        lambda w: "participants/join",
        room_people(200),
        body=lambda w, p: {"room_id": w.room.pk},
        ok_keys={"id", "room_id", "user"},
        original=lambda w, p: {
            "room_id": str(w.room.pk),
            "username": p,
            "user_id": str(w.id_of(p)) if p in w.people else "1",
        },
    ),
    Case(
        "leave",
        "POST",
        lambda w: "participants/leave",
        room_people(200),
        body=lambda w, p: {"room_id": w.room.pk},
        original=lambda w, p: {"room_id": str(w.room.pk), "username": p},
    ),
    Case(
        "people",
        "GET",
        lambda w: f"participants/{w.room.pk}",
        room_people(200),
        ok_keys={"count", "participants"},
    ),
    Case(
        "own status",
        "PUT",
        lambda w: f"participants/{w.bob_participant.pk}/status",
        {"owner": 403, "member": 200, "outsider": 404, "moderator": 404, "anonymous": 401},
        body=lambda w, p: {"intention": "Chapter 3"},
        ok_keys={"intention"},
    ),
    Case(
        "stats",
        "GET",
        lambda w: f"stats/user/{w.id_of('owner')}?days=30",
        everyone(200),
        ok_keys={"focus_seconds", "daily"},
    ),
    Case(
        "stats session",
        "POST",
        lambda w: "stats/session",
        everyone(200),
        body=lambda w, p: {"duration_minutes": 25},
        ok_keys={"recorded"},
        original=lambda w, p: {
            "room_id": str(w.room.pk),
            "duration_minutes": 25,
            "session_type": "work",
        },
    ),
    Case(
        "history",
        "GET",
        lambda w: "stats/history?limit=5",
        everyone(200),
    ),
    Case(
        "history outcome",
        "POST",
        lambda w: f"stats/history/{w.owner_session.pk}/outcome",
        only("owner", 200),  # someone else's session: 403, the moderator's too
        body=lambda w, p: {"outcome": "done", "note": f"By {p}"},
        ok_keys={"goal", "outcome", "note"},
    ),
    Case(
        "checkout",
        "POST",
        lambda w: "stats/checkout",
        # Not in the room for that phase: 409, whoever you are.
        {"owner": 200, "member": 200, "outsider": 409, "moderator": 409, "anonymous": 401},
        body=lambda w, p: {"room_id": w.room.pk, "seq": 1, "outcome": "partly"},
        ok_keys={"goal", "outcome", "note", "seq"},
    ),
    Case("achievements", "GET", lambda w: "achievements/", everyone(200)),
    Case(
        "achievement create",
        "POST",
        lambda w: "achievements/",
        only("moderator", 201),
        body=lambda w, p: {
            "slug": f"by-{p}",
            "name": "Night owl",
            "description": "Focus after midnight",
            "icon": "🦉",
            "category": "sessions",
            "requirement_type": "work_sessions",
            "requirement_value": 3,
        },
        ok_keys={"slug"},
    ),
    Case("achievement category", "GET", lambda w: "achievements/category/sessions", everyone(200)),
    Case(
        "user achievements",
        "GET",
        lambda w: f"achievements/user/{w.id_of('owner')}",
        everyone(200),
        ok_keys={"points", "unlocked"},
    ),
    Case(
        "user progress",
        "GET",
        lambda w: f"achievements/user/{w.id_of('owner')}/progress",
        everyone(200),
    ),
    Case(
        "achievement check",
        "POST",
        lambda w: f"achievements/user/{w.id_of('owner')}/check",
        only("owner", 200),
        original=lambda w, p: {"user_id": str(w.id_of("owner"))},
    ),
    # --- Community: "owner" is the author; everyone reads the public forum ---------------
    Case(
        "post create",
        "POST",
        lambda w: "community/posts",
        everyone(201),
        body=lambda w, p: {"title": f"By {p}", "body": "**Hello**", "category": "general"},
        ok_keys={"id", "body_html"},
        original=lambda w, p: {"title": f"By {p}", "content": "Hello", "category": "general"},
    ),
    Case("post list", "GET", lambda w: "community/posts", everyone(200)),
    Case("post read", "GET", lambda w: f"community/posts/{w.post.pk}", everyone(200)),
    Case(
        "post update",
        "PUT",
        lambda w: f"community/posts/{w.post.pk}",
        only("owner", 200),
        body=lambda w, p: {"title": f"Edited by {p}"},
        ok_keys={"edited_at"},
        original=lambda w, p: {"content": f"Edited by {p}"},
    ),
    Case(
        "post delete",
        "DELETE",
        lambda w: f"community/posts/{w.post.pk}",
        only("owner", 200),
        ok_keys={"deleted"},
    ),
    Case(
        "post like",
        "POST",
        lambda w: f"community/posts/{w.post.pk}/like",
        {**everyone(200), "owner": 422},  # not one's own
        ok_keys={"liked", "like_count"},
    ),
    Case(
        "comment create",
        "POST",
        lambda w: f"community/posts/{w.post.pk}/comments",
        everyone(201),
        body=lambda w, p: {"body": f"From {p}", "parent_id": w.comment.pk},
        ok_keys={"id", "parent_id"},
        original=lambda w, p: {"content": f"From {p}", "parent_comment_id": str(w.comment.pk)},
    ),
    Case("comment list", "GET", lambda w: f"community/posts/{w.post.pk}/comments", everyone(200)),
    Case(
        "comment update",
        "PUT",
        lambda w: f"community/comments/{w.comment.pk}",
        only("owner", 200),
        body=lambda w, p: {"body": f"Edited by {p}"},
        ok_keys={"edited_at"},
        original=lambda w, p: {"content": f"Edited by {p}"},
    ),
    Case(
        "comment delete",
        "DELETE",
        lambda w: f"community/comments/{w.comment.pk}",
        only("owner", 200),
        ok_keys={"deleted"},
    ),
    Case(
        "comment like",
        "POST",
        lambda w: f"community/comments/{w.comment.pk}/like",
        {**everyone(200), "owner": 422},
        ok_keys={"liked"},
    ),
    # --- Messages: the conversation is Alice's and Bob's --------------------------------
    Case(
        "message send",
        "POST",
        lambda w: "messages/send",
        everyone(201),
        body=lambda w, p: {
            "recipient_id": w.id_of("member" if p == "owner" else "owner"),
            "body": f"Hello from {p}",
        },
        ok_keys={"id", "conversation_id"},
        original=lambda w, p: {
            "receiver_id": str(w.id_of("member" if p == "owner" else "owner")),
            "content": f"Hello from {p}",
        },
    ),
    Case("conversation list", "GET", lambda w: "messages/conversations", everyone(200)),
    Case(
        "conversation read",
        "GET",
        lambda w: f"messages/conversations/{w.conversation.pk}",
        room_people(200),
        ok_keys={"messages"},
    ),
    Case(
        "conversation mark read",
        "POST",
        lambda w: f"messages/conversations/{w.conversation.pk}/read",
        room_people(200),
        body=lambda w, p: {},
        ok_keys={"read_up_to"},
        original=lambda w, p: {"message_ids": [str(w.conversation.last_message_id)]},
    ),
    Case("unread count", "GET", lambda w: "messages/unread-count", everyone(200)),
    # --- Schedule: a private room's sessions are its members' only ---
    Case("sessions", "GET", lambda w: "schedule/sessions", everyone(200)),
    Case(
        "schedule a session",
        "POST",
        lambda w: "schedule/sessions",
        {"owner": 201, "member": 403, "outsider": 404, "moderator": 404, "anonymous": 401},
        body=lambda w, p: {
            "room_id": str(w.room.pk),
            "starts_at": (w.session.starts_at + timedelta(hours=3)).isoformat(),
            "work_minutes": 50,
        },
        ok_keys={"id", "starts_at", "booked"},
    ),
    Case(
        "session",
        "GET",
        lambda w: f"schedule/sessions/{w.session.pk}",
        room_people(200),
        ok_keys={"booked", "booked_count"},
    ),
    Case(
        "change a session",
        "PATCH",
        lambda w: f"schedule/sessions/{w.session.pk}",
        room_people(200, member=403),
        body=lambda w, p: {"capacity": 5},
    ),
    Case(
        "cancel a session",
        "POST",
        lambda w: f"schedule/sessions/{w.session.pk}/cancel",
        room_people(200, member=403),
        ok_keys={"cancelled"},
    ),
    Case(
        "book a seat",
        "POST",
        lambda w: f"schedule/sessions/{w.session.pk}/booking",
        room_people(200),
        ok_keys={"booked"},
    ),
    Case(
        "give a seat back",
        "DELETE",
        lambda w: f"schedule/sessions/{w.session.pk}/booking",
        room_people(200, member=200) | {"owner": 409},  # Alice holds no seat
    ),
    Case("feed URL", "GET", lambda w: "schedule/feed", everyone(200), ok_keys={"url"}),
    Case("new feed URL", "POST", lambda w: "schedule/feed", everyone(200), ok_keys={"url"}),
    # --- Partner sessions: a booking is its booker's only (her partner Bob's is his own) --
    Case("partner bookings", "GET", lambda w: "partners/bookings", everyone(200)),
    Case(
        "book a partner session",
        "POST",
        lambda w: "partners/bookings",
        everyone(201),
        body=lambda w, p: {
            "starts_at": (w.partner_booking.starts_at + timedelta(hours=3)).isoformat(),
            "work_minutes": 25,
        },
        ok_keys={"id", "status", "partner"},
        original=lambda w, p: {
            "start_time": (w.partner_booking.starts_at + timedelta(hours=3)).isoformat(),
            "work_duration": 25,
        },
    ),
    Case(
        "partner booking",
        "GET",
        lambda w: f"partners/bookings/{w.partner_booking.pk}",
        room_people(200, member=404),
        ok_keys={"status", "partner", "room_url"},
    ),
    Case(
        "cancel a partner booking",
        "DELETE",
        lambda w: f"partners/bookings/{w.partner_booking.pk}",
        room_people(200, member=404),
        ok_keys={"status"},
    ),
    # --- Follows: everyone follows "owner" (Alice); nobody follows themselves -----------
    Case("follow list", "GET", lambda w: "follows", everyone(200)),
    Case(
        "follow",
        "POST",
        lambda w: f"follows/{w.id_of('owner')}",
        {**everyone(201), "owner": 422},
        ok_keys={"user", "following"},
    ),
    Case(
        "unfollow",
        "DELETE",
        lambda w: f"follows/{w.id_of('owner')}",
        everyone(200),
        ok_keys={"user", "following", "removed"},
    ),
]


@pytest.fixture
def world(alice, bob, charlie, moderator) -> World:
    room = room_services.room_create(owner=alice, name="Alice's study", is_public=False)
    bob_participant = room_services.room_join(room=room, user=bob, token=room.invite_token)
    people = {"owner": alice, "member": bob, "outsider": charlie, "moderator": moderator}
    post = community_services.post_create(
        author=alice, category=Category.objects.get(slug="general"), title="Plans", body="b"
    )
    comment = community_services.comment_create(post=post, author=alice, body="First")
    message = messaging_services.message_send(sender=alice, recipient=bob, body="Hi Bob")
    starts_at = timezone.now().replace(second=0, microsecond=0) + timedelta(days=1)
    session = schedule_services.session_create(
        room=room,
        by=alice,
        starts_at=starts_at - timedelta(minutes=starts_at.minute % 15),
        timezone_name="UTC",
    )
    bookings.booking_create(session=session, user=bob)
    partner_start = starts_at - timedelta(minutes=starts_at.minute % 15) + timedelta(hours=2)
    partner_booking = partner_services.partner_book(
        user=alice, starts_at=partner_start, work_minutes=25
    )
    partner_services.partner_book(user=bob, starts_at=partner_start, work_minutes=25)
    ended = timezone.now()
    sessions = [
        SessionHistory.objects.create(
            user=person,
            room=room,
            kind="work",
            seq=1,
            started_at=ended - timedelta(minutes=25),
            ended_at=ended,
            seconds_credited=1500,
            goal="Plans",
        )
        for person in (alice, bob)
    ]
    return World(
        people=people,
        room=room,
        bob_participant=bob_participant,
        post=post,
        comment=comment,
        conversation=message.conversation,
        session=session,
        owner_session=sessions[0],
        partner_booking=partner_booking,
    )


def test_the_matrix_covers_every_operation_of_the_schema():
    """Each operation of the published schema has exactly one row (a new route fails
    here until it gets one)."""
    from types import SimpleNamespace

    from api.api import api

    stand_in = World(
        people={"owner": SimpleNamespace(pk=9001)},
        room=SimpleNamespace(pk=9002),
        bob_participant=SimpleNamespace(pk=9003),
        post=SimpleNamespace(pk=9004),
        comment=SimpleNamespace(pk=9005),
        conversation=SimpleNamespace(pk=9006),
        session=SimpleNamespace(pk=9007, starts_at=datetime(2026, 1, 1, tzinfo=UTC)),
        owner_session=SimpleNamespace(pk=9007),
        partner_booking=SimpleNamespace(pk=9008, starts_at=datetime(2026, 1, 1, tzinfo=UTC)),
    )
    names = {
        "9001": "{user_id}",
        "9002": "{room_id}",
        "9003": "{participant_id}",
        "9004": "{post_id}",
        "9005": "{comment_id}",
        "9006": "{conversation_id}",
        "9007": "{session_id}",
        "9008": "{booking_id}",
        "category/sessions": "category/{category}",
    }
    covered = []
    for case in CASES:
        path = case.path(stand_in).split("?")[0]
        for number, name in names.items():
            path = path.replace(number, name)
        covered.append((case.method, f"/api/v1/{path}"))
    published = [
        (method.upper(), path)
        for path, item in api.get_openapi_schema()["paths"].items()
        for method in item
    ]
    assert sorted(covered) == sorted(published)


@pytest.mark.parametrize(
    ("case", "persona"), list(itertools.product(CASES, PERSONAS)), ids=lambda v: str(v)
)
def test_persona_matrix(api_as, world, case: Case, persona: str):
    _run(api_as, world, case, persona, case.body)


ORIGINAL_SPELLING = [case for case in CASES if case.original]


@pytest.mark.parametrize(
    ("case", "persona"),
    list(itertools.product(ORIGINAL_SPELLING, PERSONAS)),
    ids=lambda v: str(v),
)
def test_persona_matrix_with_the_originals_bodies(api_as, world, case: Case, persona: str):
    """The same answers when the request uses the original API's names and string ids."""
    _run(api_as, world, case, persona, case.original)


def _run(api_as, world: World, case: Case, persona: str, body) -> None:
    if case.running:
        timer_command(room=world.room, by=world.people["owner"], action="start")
    client = api_as(world.people.get(persona))
    response = client.call(case.method, case.path(world), body(world, persona) if body else None)
    assert response.status_code == case.expected[persona], response.content
    payload = response.json()
    if response.status_code >= 400:
        assert set(payload) == {"detail"}
    else:
        assert case.ok_keys <= set(payload if isinstance(payload, dict) else {})
