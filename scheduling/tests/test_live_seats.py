"""Live seats: a seat taken or given back reaches every open page that shows the session,
over the per-user socket (/ws/me/), and never anyone who may not see the room."""

from __future__ import annotations

import time

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from accounts.tests.factories import UserFactory
from focusmate.asgi import application
from focusmate.events import SeatsChanged
from focusmate.lib import broadcast
from rooms import services as room_services
from rooms.tests.test_consumers import _cookie_for
from scheduling import bookings
from scheduling import services as schedule_services
from scheduling.subscriptions import push_seats
from scheduling.tests.factories import BookingFactory, ScheduledSessionFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.anyio]

ORIGIN = b"http://127.0.0.1:8000"


async def _page_socket(user, query: str, *, origin: bytes = ORIGIN) -> WebsocketCommunicator:
    """The socket of a page of `user`'s showing sessions, as base.html opens it."""
    headers = [
        (b"origin", origin),
        (b"host", b"127.0.0.1:8000"),
        (b"cookie", await database_sync_to_async(_cookie_for)(user)),
    ]
    return WebsocketCommunicator(application, f"/ws/me/{query}", headers=headers)


def _query(session, *, people: bool = False, since: int | None = None) -> str:
    since = int(time.time()) + 1 if since is None else since  # later than any booking so far
    return f"?seats={session.pk}&since={since}" + ("&people=1" if people else "")


@pytest.fixture
def public_session(room):
    """A session in Alice's public room (Bob is in it, Charlie is not), two seats."""
    return ScheduledSessionFactory(room=room, capacity=2)


@pytest.fixture
def private_session(shared_room):
    """A session in Alice's private room (Bob is a member, Charlie has no access)."""
    return ScheduledSessionFactory(room=shared_room, capacity=5)


async def test_a_second_viewer_sees_the_new_count_and_who_booked(public_session, bob, charlie):
    communicator = await _page_socket(charlie, _query(public_session, people=True))
    try:
        connected, _ = await communicator.connect()
        assert connected
        assert await communicator.receive_nothing(timeout=0.3)  # nothing changed since render

        await database_sync_to_async(bookings.booking_create)(session=public_session, user=bob)
        frame = await communicator.receive_from(timeout=3)
    finally:
        await communicator.disconnect()

    box = f'id="booking-{public_session.pk}" data-testid="booking-{public_session.pk}"'
    assert f'{box} hx-swap-oob="true"' in frame
    assert "1/2 booked" in frame
    assert ">Book</button>" in frame and "You're booked" not in frame  # Charlie's view
    assert f'id="booked-{public_session.pk}"' in frame and "Booked (1)" in frame
    assert f'data-person="{bob.pk}"' in frame


async def test_the_last_seat_taken_turns_book_into_full_live(room, alice, bob, charlie):
    session = await database_sync_to_async(ScheduledSessionFactory)(room=room, capacity=1)
    charlies = await _page_socket(charlie, _query(session))
    bobs = await _page_socket(bob, _query(session))
    try:
        assert (await charlies.connect())[0] and (await bobs.connect())[0]

        await database_sync_to_async(bookings.booking_create)(session=session, user=bob)
        charlie_sees = await charlies.receive_from(timeout=3)
        bob_sees = await bobs.receive_from(timeout=3)
    finally:
        await charlies.disconnect()
        await bobs.disconnect()

    assert "1/1 booked" in charlie_sees and ">Full<" in charlie_sees
    assert ">Book</button>" not in charlie_sees
    assert "You're booked" in bob_sees and "Cancel my seat" in bob_sees
    assert f'id="booked-{session.pk}"' not in charlie_sees  # the week lists no people


async def test_a_cancelled_seat_frees_it_live(public_session, bob, charlie):
    await database_sync_to_async(bookings.booking_create)(session=public_session, user=bob)
    communicator = await _page_socket(charlie, _query(public_session))
    try:
        await communicator.connect()
        await database_sync_to_async(bookings.booking_cancel)(session=public_session, user=bob)
        frame = await communicator.receive_from(timeout=3)
    finally:
        await communicator.disconnect()

    assert "0/2 booked" in frame and ">Book</button>" in frame


async def test_a_cancelled_session_says_so_live_and_a_new_capacity_shows(
    public_session, alice, charlie
):
    later = await database_sync_to_async(ScheduledSessionFactory)(
        room=public_session.room,
        starts_at=public_session.ends_at,
        ends_at=public_session.ends_at + (public_session.ends_at - public_session.starts_at),
    )
    communicator = await _page_socket(
        charlie, f"?seats={public_session.pk},{later.pk}&since=" + (str(int(time.time()) + 1))
    )
    try:
        await communicator.connect()
        await database_sync_to_async(schedule_services.session_update)(
            session=later, by=alice, capacity=7
        )
        resized = await communicator.receive_from(timeout=3)
        await database_sync_to_async(schedule_services.session_cancel)(
            session=public_session, by=alice
        )
        cancelled = await communicator.receive_from(timeout=3)
    finally:
        await communicator.disconnect()

    assert f'id="booking-{later.pk}"' in resized and "0/7 booked" in resized
    assert f'id="booking-{public_session.pk}"' in cancelled
    assert ">Cancelled<" in cancelled and ">Book</button>" not in cancelled


async def test_an_outsider_of_a_private_room_gets_nothing(private_session, alice, bob, charlie):
    # Charlie names the session as if his page showed it: the socket opens (it is his
    # own socket), but joins nothing of a room he may not see.
    communicator = await _page_socket(charlie, _query(private_session, people=True, since=0))
    try:
        connected, _ = await communicator.connect()
        assert connected
        await database_sync_to_async(bookings.booking_create)(session=private_session, user=bob)
        nothing = await communicator.receive_nothing(timeout=0.5)
    finally:
        await communicator.disconnect()

    assert nothing


async def test_a_member_who_left_the_private_room_gets_nothing_more(private_session, alice, bob):
    communicator = await _page_socket(bob, _query(private_session))
    try:
        assert (await communicator.connect())[0]
        await database_sync_to_async(bookings.booking_create)(session=private_session, user=alice)
        assert "1/5 booked" in await communicator.receive_from(timeout=3)  # a member: yes

        await database_sync_to_async(room_services.room_leave)(room=private_session.room, user=bob)
        await database_sync_to_async(bookings.booking_cancel)(session=private_session, user=alice)
        nothing = await communicator.receive_nothing(timeout=0.5)
    finally:
        await communicator.disconnect()

    assert nothing  # the push named who may see the room, and Bob no longer does


async def test_a_seat_taken_before_the_socket_opened_is_sent_on_connect(
    public_session, bob, charlie
):
    rendered_at = int(time.time())  # the page's render, before Bob's booking
    await database_sync_to_async(bookings.booking_create)(session=public_session, user=bob)
    communicator = await _page_socket(charlie, _query(public_session, since=rendered_at))
    try:
        await communicator.connect()
        frame = await communicator.receive_from(timeout=3)
    finally:
        await communicator.disconnect()

    assert "1/2 booked" in frame


async def test_a_socket_from_another_origin_is_refused(public_session, charlie):
    communicator = await _page_socket(
        charlie, _query(public_session), origin=b"http://evil.example"
    )
    connected, _ = await communicator.connect()
    await communicator.disconnect()

    assert not connected


async def test_anonymous_sockets_get_no_seats(public_session):
    communicator = WebsocketCommunicator(
        application,
        f"/ws/me/{_query(public_session)}",
        headers=[(b"origin", ORIGIN), (b"host", b"127.0.0.1:8000")],
    )
    connected, code = await communicator.connect()
    await communicator.disconnect()

    assert not connected and code == 4401


@pytest.mark.parametrize("seats_taken", [1, 4])
def test_a_push_costs_three_queries_whatever_the_seats(
    private_session, alice, bob, monkeypatch, django_assert_num_queries, seats_taken
):
    sent = []
    monkeypatch.setattr(broadcast, "send_now", lambda group, message: sent.append((group, message)))
    for _ in range(seats_taken):
        BookingFactory(session=private_session, user=UserFactory())
    event = SeatsChanged(session_id=private_session.pk, room_id=private_session.room_id)

    # The session with its count, who is booked, who may see the (private) room.
    with django_assert_num_queries(3):
        push_seats(event)

    [(group, message)] = sent
    assert group == f"seats.{private_session.pk}"
    assert len(message["booked_ids"]) == seats_taken
    assert message["viewer_ids"] == sorted([alice.pk, bob.pk])  # Alice owns it, Bob is in it
