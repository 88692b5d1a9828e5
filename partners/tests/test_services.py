"""Booking, matching, cancelling and re-matching partner sessions (one process)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Follow
from accounts.tests.factories import UserFactory
from focusmate.lib.ratelimit import RateLimited
from messaging.models import Notification
from partners import services
from partners.models import PartnerBooking, PartnerEmail
from rooms.models import Participant, Room
from scheduling.models import Booking

pytestmark = pytest.mark.django_db


def _fresh(booking: PartnerBooking) -> PartnerBooking:
    booking.refresh_from_db()
    return booking


def _members(room: Room) -> set[int]:
    return set(Participant.objects.present().filter(room=room).values_list("user_id", flat=True))


def _seats(session) -> set[int]:
    return set(Booking.objects.held().filter(session=session).values_list("user_id", flat=True))


def test_two_bookings_of_one_slot_meet_in_a_private_room_with_a_session_for_two(
    alice, bob, book, slot
):
    first = book(alice)
    assert first.match is None

    second = book(bob)

    match = second.match
    assert match is not None and _fresh(first).match_id == match.pk
    assert {_fresh(first).seat, second.seat} == {1, 2}
    room = match.room
    assert (room.is_public, room.max_participants, room.work_minutes) == (False, 2, 25)
    assert room.mic_any_time  # the greeting and the check-out are spoken
    assert _members(room) == {alice.pk, bob.pk}
    session = match.session
    assert (session.starts_at, session.work_minutes, session.capacity) == (slot, 25, 2)
    assert _seats(session) == {alice.pk, bob.pk}
    assert not Room.objects.visible_to(UserFactory()).filter(pk=room.pk).exists()


def test_both_hear_of_the_match_in_the_bell_and_by_email_with_the_partners_profile(
    alice, bob, book
):
    book(alice)
    book(bob)

    bells = {n.user_id: n for n in Notification.objects.all()}
    assert "bob" in bells[alice.pk].text and bells[alice.pk].url == bob.get_absolute_url()
    assert "alice" in bells[bob.pk].text and bells[bob.pk].url == alice.get_absolute_url()
    assert sorted(m.to[0] for m in mail.outbox) == [alice.email, bob.email]
    to_alice = next(m for m in mail.outbox if m.to == [alice.email])
    assert "bob" in to_alice.subject and bob.get_absolute_url() in to_alice.body
    assert PartnerEmail.objects.filter(sent_at__isnull=True).count() == 0


def test_a_third_person_waits_and_other_lengths_or_starts_are_not_paired(
    alice, bob, charlie, book, slot
):
    book(alice)
    book(bob)
    third = book(charlie)
    other_length = book(UserFactory(), work_minutes=50)
    other_start = book(UserFactory(), starts_at=slot + timedelta(minutes=15))

    assert third.match is None and other_length.match is None and other_start.match is None


def test_people_who_blocked_each_other_are_never_paired_either_way(alice, bob, charlie, book):
    account_services.user_block(by=alice, user=bob)
    book(alice)
    assert book(bob).match is None  # blocked by alice
    third = book(charlie)
    assert third.match is not None and _fresh(third).match.room.owner_id == charlie.pk
    assert set(PartnerBooking.objects.filter(match=third.match).values_list("user", flat=True)) == {
        alice.pk,
        charlie.pk,
    }


def test_the_blocker_booking_second_skips_the_person_they_blocked(alice, bob, charlie, book):
    account_services.user_block(by=bob, user=alice)
    book(alice)
    book(charlie)  # alice and charlie pair
    waiting = book(bob)
    assert waiting.match is None


def test_favourites_come_before_those_waiting_longer(alice, bob, charlie, book):
    # Two people wait (they blocked each other, so they can't pair): bob since an hour,
    # charlie, whom alice follows, since now.
    account_services.user_block(by=bob, user=charlie)
    waiting_longer = book(bob)
    PartnerBooking.objects.filter(pk=waiting_longer.pk).update(
        created_at=timezone.now() - timedelta(hours=1)
    )
    followed = book(charlie)
    Follow.objects.create(follower=alice, followed=charlie)

    mine = book(alice)

    assert _fresh(followed).match_id == mine.match_id
    assert _fresh(waiting_longer).match_id is None


def test_someone_who_follows_the_newcomer_counts_as_a_favourite_too(alice, bob, charlie, book):
    account_services.user_block(by=bob, user=charlie)
    book(bob)
    fan = book(charlie)
    Follow.objects.create(follower=charlie, followed=alice)

    assert book(alice).match_id == _fresh(fan).match_id


def test_without_favourites_the_longest_waiting_is_paired_first(alice, bob, charlie, book):
    first = book(bob)
    PartnerBooking.objects.filter(pk=first.pk).update(
        created_at=timezone.now() - timedelta(hours=1)
    )
    mine = book(alice)
    assert _fresh(first).match_id == mine.match_id


@pytest.mark.parametrize(
    ("offset", "minutes", "message"),
    [
        (timedelta(minutes=7), 25, "quarter hour"),
        (timedelta(hours=-3), 25, "past"),
        (timedelta(0), 40, "25, 50 or 75"),
        (timedelta(days=90), 25, "60 days"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(alice, slot, offset, minutes, message):
    with pytest.raises(ValidationError) as refused:
        services.partner_book(user=alice, starts_at=slot + offset, work_minutes=minutes)
    assert message in " ".join(refused.value.messages)
    assert not PartnerBooking.objects.exists()


def test_overlapping_partner_sessions_are_refused_and_booking_oneself_twice_too(alice, book, slot):
    book(alice, work_minutes=50)
    for starts_at, minutes in ((slot, 25), (slot + timedelta(minutes=30), 25)):
        with pytest.raises(ValidationError) as refused:
            book(alice, starts_at=starts_at, work_minutes=minutes)
        assert "overlaps" in " ".join(refused.value.messages)
    assert book(alice, starts_at=slot + timedelta(minutes=60)).match is None


def test_banned_and_anonymous_people_cannot_book(alice, slot):
    from django.contrib.auth.models import AnonymousUser

    alice.is_active = False
    for person in (alice, AnonymousUser()):
        with pytest.raises(PermissionDenied):
            services.partner_book(user=person, starts_at=slot, work_minutes=25)


def test_bookings_are_rate_limited(alice, slot):
    for n in range(services.BOOKINGS_PER_HOUR):
        services.partner_book(user=alice, starts_at=slot + timedelta(hours=n), work_minutes=25)
    with pytest.raises(RateLimited):
        services.partner_book(user=alice, starts_at=slot + timedelta(days=2), work_minutes=25)


# --- Cancelling ----------------------------------------------------------------------


def test_a_cancel_pairs_the_partner_left_with_someone_waiting_in_the_same_room(
    alice, bob, charlie, book
):
    mine = book(alice)
    theirs = book(bob)  # bob owns the room his booking made
    waiting = book(charlie)
    match = theirs.match

    services.partner_cancel(booking=theirs, by=bob)

    assert _fresh(theirs).ended_why == "cancelled"
    assert _fresh(waiting).match_id == match.pk and _fresh(mine).match_id == match.pk
    assert _members(match.room) == {alice.pk, charlie.pk}
    assert _seats(match.session) == {alice.pk, charlie.pk}
    room = Room.objects.get(pk=match.room_id)
    assert room.owner_id == alice.pk  # bob keeps no way in
    assert not Room.objects.visible_to(bob).filter(pk=room.pk).exists()
    assert Notification.objects.filter(user=charlie, text__contains="alice").exists()
    assert Notification.objects.filter(user=alice, text__contains="charlie").exists()


def test_a_cancel_with_nobody_waiting_leaves_the_partner_a_solo_session_and_tells_them(
    alice, bob, book
):
    mine = book(alice)
    theirs = book(bob)
    mail.outbox.clear()

    services.partner_cancel(booking=theirs, by=bob)

    assert _fresh(mine).is_live and _fresh(mine).match_id == theirs.match_id
    bell = Notification.objects.filter(user=alice).latest("pk")
    assert "bob cancelled" in bell.text and "solo" in bell.text
    assert [m.to for m in mail.outbox] == [[alice.email]] and "solo" in mail.outbox[0].subject
    assert Booking.objects.get(session=theirs.match.session, user=bob).cancelled_at is not None


def test_someone_booking_later_joins_a_partner_left_alone(alice, bob, charlie, book):
    mine = book(alice)
    theirs = book(bob)
    services.partner_cancel(booking=theirs, by=bob)

    newcomer = book(charlie)

    assert newcomer.match_id == _fresh(mine).match_id
    assert _members(newcomer.match.room) == {alice.pk, charlie.pk}


def test_the_last_one_to_cancel_closes_the_room_and_cancels_its_session(
    alice, bob, book, deliver_at_once
):
    mine = book(alice)
    theirs = book(bob)
    services.partner_cancel(booking=theirs, by=bob)
    services.partner_cancel(booking=mine, by=alice)

    match = theirs.match
    match.room.refresh_from_db()
    match.session.refresh_from_db()
    assert match.room.is_active is False
    assert match.session.cancelled_at is not None


def test_only_the_booker_can_cancel_and_only_once_and_before_the_start(alice, bob, book, slot):
    mine = book(alice)
    with pytest.raises(PermissionDenied):
        services.partner_cancel(booking=mine, by=bob)
    services.partner_cancel(booking=mine, by=alice)
    with pytest.raises(ValidationError, match="already cancelled"):
        services.partner_cancel(booking=mine, by=alice)
    later = book(alice)
    with (
        time_machine.travel(slot + timedelta(minutes=1), tick=False),
        pytest.raises(ValidationError, match="has started"),
    ):
        services.partner_cancel(booking=later, by=alice)


def test_the_session_is_in_both_calendar_feeds_and_reminds_both(alice, bob, book):
    from scheduling.queries import feed_sessions

    book(alice)
    match = book(bob).match
    for person in (alice, bob):
        assert [s.pk for s in feed_sessions(user=person, now=timezone.now())] == [match.session_id]


def test_an_owner_closing_the_room_cancels_theirs_and_their_partner_waits_again(
    alice, bob, charlie, book, deliver_at_once
):
    from rooms import services as room_services

    mine = book(alice)
    theirs = book(bob)  # bob owns the room
    room_services.room_close(room=theirs.match.room, by=bob)

    assert _fresh(theirs).ended_why == "cancelled"
    mine = _fresh(mine)
    assert mine.is_live and mine.match_id is None
    assert Notification.objects.filter(user=alice, text__contains="waiting for a partner").exists()
    newcomer = book(charlie)
    assert newcomer.match_id is not None and _fresh(mine).match_id == newcomer.match_id
    assert newcomer.match.room.is_active


def test_the_schedules_own_seat_buttons_leave_a_partner_session_alone(alice, bob, book, client):
    """Its seats are the pairing's: giving one back through the schedule (the week's
    "Cancel my seat") left the partner matched, untold and unreminded. The schedule refuses
    it, and its pages point to the partner sessions instead."""
    from scheduling import bookings
    from scheduling import services as schedule_services

    book(alice)
    match = book(bob).match
    session = match.session
    assert session.seats_elsewhere

    for refused in (
        lambda: bookings.booking_cancel(session=session, user=alice),
        lambda: bookings.booking_create(session=session, user=alice),
        lambda: schedule_services.session_update(session=session, by=match.room.owner, title="x"),
        lambda: schedule_services.session_cancel(session=session, by=match.room.owner),
    ):
        with pytest.raises(ValidationError, match="partner session"):
            refused()
    assert _seats(session) == {alice.pk, bob.pk}

    client.force_login(alice)
    page = client.get(f"/schedule/{session.pk}/").content.decode()
    assert "Cancel my seat" not in page and "Cancel the session" not in page
    assert "/schedule/partners/" in page


def test_a_partner_room_is_sealed_no_link_lets_a_stranger_into_a_freed_seat(
    alice, bob, charlie, book, client
):
    from django.core.exceptions import PermissionDenied as Refused

    from rooms import services as room_services

    book(alice)
    match = book(bob).match
    room = Room.objects.get(pk=match.room_id)
    assert room.sealed
    owner = room.owner

    client.force_login(owner)
    page = client.get(room.get_absolute_url()).content.decode()
    assert 'data-testid="invite-link"' not in page
    assert "Schedule a session" not in page
    assert f'href="/rooms/{room.pk}/edit/"' not in page
    with pytest.raises(Refused):
        room_services.room_regenerate_invite(room=room, by=owner)

    partner = bob if owner == alice else alice
    room_services.room_leave(room=room, user=partner)  # a seat frees up
    with pytest.raises(Refused, match="partner session"):
        room_services.room_join(room=room, user=charlie, token=room.invite_token)
    assert _members(room) == {owner.pk}
