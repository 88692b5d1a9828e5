"""Signalling over the room socket: each frame reaches the one page it names, only while
both people may be in the room, and a bad frame never kills a socket."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from accounts import services as account_services
from accounts.tests.factories import UserFactory
from rooms import services as room_services
from rooms.tests.test_socket_access import _closed_within
from video import signalling
from video.tests.sockets import hear_no_video, hello, next_toast, next_video, offer, open_socket

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.anyio]


@pytest.fixture(autouse=True)
def _quick_presence(settings):
    settings.PRESENCE_COALESCE_SECONDS = 0.05


@pytest.fixture
def full_room(room, dave):
    """Alice's room with Bob and Dave in it."""
    room_services.room_join(room=room, user=dave)
    return room


async def _three(room, alice, bob, dave):
    sockets = {}
    for name, user in (("alice", alice), ("bob", bob), ("dave", dave)):
        sockets[name] = await open_socket(room, user)
        await hello(sockets[name], f"{name}-page-1")
    for communicator in sockets.values():
        await hear_no_video(communicator, quiet=0.2)
    return sockets


async def _close_all(sockets):
    for communicator in sockets.values():
        await communicator.disconnect(timeout=10)


async def test_an_offer_reaches_the_named_page_only(full_room, alice, bob, dave):
    sockets = await _three(full_room, alice, bob, dave)
    bobs_other_tab = await open_socket(full_room, bob)
    await hello(bobs_other_tab, "bob-page-2")
    try:
        await sockets["alice"].send_json_to(offer(bob.pk, "bob-page-1"))

        received = await next_video(sockets["bob"], "offer")
        assert received["from_user"] == alice.pk
        assert received["from_peer"] == "alice-page-1"
        assert received["sdp"] == "v=0 fake offer"
        assert received["cam"] == "recipient"
        assert await hear_no_video(sockets["dave"]) == []
        assert await hear_no_video(bobs_other_tab) == []
        assert await hear_no_video(sockets["alice"]) == []
    finally:
        await bobs_other_tab.disconnect(timeout=10)
        await _close_all(sockets)


async def test_answers_and_candidates_go_back_the_same_way(full_room, alice, bob, dave):
    sockets = await _three(full_room, alice, bob, dave)
    try:
        await sockets["bob"].send_json_to(
            {
                "video": "answer",
                "to_user": alice.pk,
                "to_peer": "alice-page-1",
                "cam": "sender",
                "sdp": "v=0 answer",
            }
        )
        await sockets["bob"].send_json_to(
            {
                "video": "candidate",
                "to_user": alice.pk,
                "to_peer": "alice-page-1",
                "cam": "sender",
                "candidate": "candidate:1 1 udp 1 10.0.0.1 9 typ host",
                "mid": "0",
                "mline": 0,
            }
        )

        answer = await next_video(sockets["alice"], "answer")
        candidate = await next_video(sockets["alice"], "candidate")
        assert answer["sdp"] == "v=0 answer"
        assert candidate["candidate"].startswith("candidate:1")
        assert (candidate["mid"], candidate["mline"]) == ("0", 0)
        assert await hear_no_video(sockets["dave"]) == []
    finally:
        await _close_all(sockets)


async def test_a_page_that_never_said_hello_hears_nothing(full_room, alice, bob):
    alice_socket = await open_socket(full_room, alice)
    bob_socket = await open_socket(full_room, bob)  # a page without the strip (the API)
    try:
        await hello(alice_socket, "alice-page-1")
        await alice_socket.send_json_to(offer(bob.pk, "bob-page-1"))
        await alice_socket.send_json_to({"video": "camera", "on": True})
        await next_video(alice_socket, "cameras")

        assert await hear_no_video(bob_socket) == []
    finally:
        await alice_socket.disconnect(timeout=10)
        await bob_socket.disconnect(timeout=10)


async def test_a_frame_for_an_outsider_is_dropped_with_a_toast(full_room, alice, charlie):
    """Charlie never joined: nothing is sent to him, and the sender is told."""
    alice_socket = await open_socket(full_room, alice)
    try:
        await hello(alice_socket, "alice-page-1")
        await alice_socket.send_json_to(offer(charlie.pk, "charlie-page"))

        toast = await next_toast(alice_socket)
        gone = await next_video(alice_socket, "gone")
        assert "no longer in this room" in toast
        assert gone["user"] == charlie.pk
        await alice_socket.send_json_to(offer(10**9, "nobody-page"))  # no such person
        assert "no longer in this room" in await next_toast(alice_socket)
        # The socket still works.
        await alice_socket.send_json_to({"intention": "still here"})
        assert "still here" in await _frame_with_text(alice_socket, "still here")
    finally:
        await alice_socket.disconnect(timeout=10)


async def _frame_with_text(communicator, text: str) -> str:
    while True:
        frame = await communicator.receive_from(timeout=3)
        if text in frame:
            return frame


async def test_an_outsider_gets_no_socket_to_signal_from(full_room, charlie):
    from rooms.tests.test_consumers import _communicator, _cookie_for

    cookie = await database_sync_to_async(_cookie_for)(charlie)
    communicator = _communicator(full_room, cookie)
    connected, code = await communicator.connect()
    assert not connected or code == 4403
    await communicator.disconnect(timeout=10)


@pytest.mark.parametrize("how", ["leave", "ban", "close", "membership removed"])
async def test_signals_stop_when_access_ends(full_room, alice, bob, dave, moderator, how):
    sockets = await _three(full_room, alice, bob, dave)
    try:
        if how == "leave":
            await database_sync_to_async(room_services.room_leave)(room=full_room, user=bob)
        elif how == "ban":
            await database_sync_to_async(account_services.user_deactivate)(user=bob, by=moderator)
        elif how == "close":
            await database_sync_to_async(room_services.room_close)(room=full_room, by=alice)
        else:  # a private room's membership ended (what a ban does to every room)
            await database_sync_to_async(room_services.participations_end)(user=bob)
        if how != "close":
            expected_code = 4401 if how == "ban" else 4403
            assert await _closed_within(sockets["bob"], 1.0) == expected_code
            await sockets["bob"].disconnect(timeout=10)  # as a browser answers the server's close
            left = await next_video(sockets["alice"], "left")  # the pages end their calls
            assert (left["user"], left["peer"]) == (bob.pk, "bob-page-1")

        await sockets["alice"].send_json_to(offer(bob.pk, "bob-page-1"))

        assert "no longer in this room" in await next_toast(sockets["alice"])
        heard = await hear_no_video(sockets["bob"]) if how == "close" else []
        assert [m for m in heard if m["video"] == "offer"] == []
        if how == "close":  # the sockets stay open on a closed room, and send nothing
            await sockets["bob"].send_json_to(offer(alice.pk, "alice-page-1"))
            assert "no longer in this room" in await next_toast(sockets["bob"])
            assert [m for m in await hear_no_video(sockets["alice"]) if m["video"] == "offer"] == []
    finally:
        await _close_all(sockets)


async def test_a_frame_racing_a_ban_reaches_nobody(full_room, alice, bob, dave):
    """The access rule is read again on every frame, before the ban's close arrives."""
    sockets = await _three(full_room, alice, bob, dave)
    try:
        await database_sync_to_async(
            lambda: type(bob).objects.filter(pk=bob.pk).update(is_active=False)
        )()
        await sockets["alice"].send_json_to(offer(bob.pk, "bob-page-1"))
        await sockets["bob"].send_json_to(offer(alice.pk, "alice-page-1"))

        assert "no longer in this room" in await next_toast(sockets["alice"])
        assert "no longer in this room" in await next_toast(sockets["bob"])
        assert [m for m in await hear_no_video(sockets["bob"]) if m["video"] == "offer"] == []
        assert [m for m in await hear_no_video(sockets["alice"]) if m["video"] == "offer"] == []
    finally:
        await _close_all(sockets)


@pytest.mark.parametrize(
    ("frame", "says"),
    [
        ({"video": "dance"}, "not a video message"),
        ({"video": "offer", "to_user": 1, "to_peer": "x" * 9, "cam": "sender"}, "isn't valid"),
        (
            {
                "video": "offer",
                "to_user": "bob",
                "to_peer": "bob-page-1",
                "cam": "sender",
                "sdp": "v=0",
            },
            "whole number",
        ),
        (
            {"video": "offer", "to_user": 1, "to_peer": "bad peer!", "cam": "sender", "sdp": "v=0"},
            "valid value",
        ),
        (
            {
                "video": "answer",
                "to_user": 1,
                "to_peer": "bob-page-1",
                "cam": "sender",
                "sdp": "x" * 15_000,
            },
            "at most 14000",
        ),
        (
            {
                "video": "answer",
                "to_user": 1,
                "to_peer": "bob-page-1",
                "cam": "sender",
                "sdp": "x" * 17_000,
            },
            "too large",
        ),
        (
            {
                "video": "offer",
                "to_user": 1,
                "to_peer": "bob-page-1",
                "cam": "sender",
                "sdp": {"nested": 1},
            },
            "isn't valid",
        ),
        ({"video": "hello"}, "isn't valid"),
    ],
)
async def test_a_bad_frame_gets_a_toast_and_the_socket_stays(full_room, alice, frame, says):
    alice_socket = await open_socket(full_room, alice)
    try:
        await hello(alice_socket, "alice-page-1")
        await alice_socket.send_json_to(frame)

        assert says in await next_toast(alice_socket)
        await alice_socket.send_json_to({"video": "camera", "on": True})
        assert (await next_video(alice_socket, "cameras"))["cameras"]
    finally:
        await alice_socket.disconnect(timeout=10)


async def test_signals_before_hello_are_refused(full_room, alice, bob):
    alice_socket = await open_socket(full_room, alice)
    try:
        await alice_socket.send_json_to(offer(bob.pk, "bob-page-1"))
        assert "reload the page" in await next_toast(alice_socket)
    finally:
        await alice_socket.disconnect(timeout=10)


async def test_signalling_is_rate_limited_per_socket(full_room, alice, bob, monkeypatch):
    monkeypatch.setattr(signalling, "BURST", 5)
    monkeypatch.setattr(signalling, "PER_SECOND", 0.01)
    alice_socket = await open_socket(full_room, alice)
    bob_socket = await open_socket(full_room, bob)
    try:
        await hello(alice_socket, "alice-page-1")
        await hello(bob_socket, "bob-page-1")
        for _ in range(8):
            await alice_socket.send_json_to(offer(bob.pk, "bob-page-1"))

        assert "Too many video messages" in await next_toast(alice_socket)
        offers = [m for m in await hear_no_video(bob_socket) if m["video"] == "offer"]
        assert len(offers) == 5
    finally:
        await alice_socket.disconnect(timeout=10)
        await bob_socket.disconnect(timeout=10)


async def test_a_welcome_carries_the_cameras_and_short_lived_turn_credentials(
    full_room, alice, bob, settings
):
    settings.WEBRTC_ICE_SERVERS = [
        {"urls": ["stun:turn.example.com:3478"]},
        {"urls": ["turn:turn.example.com:3478"]},
    ]
    settings.TURN_SECRET = "s3cret"
    alice_socket = await open_socket(full_room, alice)
    bob_socket = await open_socket(full_room, bob)
    try:
        await hello(alice_socket, "alice-page-1")
        await alice_socket.send_json_to({"video": "camera", "on": True})
        await next_video(alice_socket, "cameras")

        welcome = await hello(bob_socket, "bob-page-1")
    finally:
        await alice_socket.disconnect(timeout=10)
        await bob_socket.disconnect(timeout=10)
    assert welcome["you"] == {"user": bob.pk, "peer": "bob-page-1"}
    assert welcome["cameras"] == [
        {"user": alice.pk, "name": "alice", "peer": "alice-page-1", "mic": False}
    ]
    assert welcome["cap"] == 6
    stun, turn = welcome["ice"]
    assert stun == {"urls": ["stun:turn.example.com:3478"]}
    assert turn["username"].endswith(f":{bob.pk}")
    assert "s3cret" not in str(welcome)


async def test_the_persona_of_a_stranger_socket_is_refused(full_room):
    """Anonymous: no socket at all (rooms' own tests cover the rest of the refusals)."""
    from rooms.tests.test_consumers import _communicator

    communicator = _communicator(full_room, cookie=None)
    connected, code = await communicator.connect()
    assert not connected or code == 4401
    await communicator.disconnect(timeout=10)


async def test_a_new_user_made_mid_call_is_no_recipient(full_room, alice):
    stranger = await database_sync_to_async(UserFactory)(username="erin")
    alice_socket = await open_socket(full_room, alice)
    try:
        await hello(alice_socket, "alice-page-1")
        await alice_socket.send_json_to(offer(stranger.pk, "erin-page-1"))
        assert "no longer in this room" in await next_toast(alice_socket)
    finally:
        await alice_socket.disconnect(timeout=10)


SIGNALS = [
    {"video": "offer", "cam": "recipient", "sdp": "v=0 offer"},
    {"video": "answer", "cam": "sender", "sdp": "v=0 answer"},
    {"video": "candidate", "cam": "sender", "candidate": "candidate:1 1 udp 1 1.2.3.4 9 typ host"},
    {"video": "bye", "cam": "recipient"},
]


@pytest.mark.parametrize("recipient", ["owner", "member", "outsider", "banned"])
async def test_the_persona_matrix_of_every_signalling_frame(
    full_room, alice, bob, dave, charlie, recipient
):
    """Dave (a member) sends each kind of frame to each persona: the owner and a member
    get it; an outsider and a banned member never do, and Dave is told."""
    target = {"owner": alice, "member": bob, "outsider": charlie, "banned": bob}[recipient]
    dave_socket = await open_socket(full_room, dave)
    target_socket = await open_socket(full_room, target) if recipient != "outsider" else None
    try:
        await hello(dave_socket, "dave-page-1")
        if target_socket is not None:
            await hello(target_socket, "target-page")
            await hear_no_video(target_socket, quiet=0.2)
        if recipient == "banned":
            await database_sync_to_async(
                lambda: type(bob).objects.filter(pk=bob.pk).update(is_active=False)
            )()
        await hear_no_video(dave_socket, quiet=0.2)

        for signal in SIGNALS:
            await dave_socket.send_json_to(
                {**signal, "to_user": target.pk, "to_peer": "target-page"}
            )
            if recipient in ("owner", "member"):
                got = await next_video(target_socket, signal["video"])
                assert (got["from_user"], got["from_peer"]) == (dave.pk, "dave-page-1")
            else:
                assert "no longer in this room" in await next_toast(dave_socket)
        if target_socket is not None and recipient == "banned":
            assert [m for m in await hear_no_video(target_socket) if "from_user" in m] == []
    finally:
        await dave_socket.disconnect(timeout=10)
        if target_socket is not None:
            await target_socket.disconnect(timeout=10)
