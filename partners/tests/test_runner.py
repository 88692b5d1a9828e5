"""The no-show pass (start + 2 minutes) and what a ban does to pending matches."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail

from messaging.models import Notification
from moderation import services as moderation_services
from partners import runner, services
from partners.models import PartnerBooking, PartnerMatch
from rooms import services as room_services
from rooms.models import Participant
from scheduling import attendance
from scheduling.models import Booking

pytestmark = pytest.mark.django_db


def _fresh(booking: PartnerBooking) -> PartnerBooking:
    booking.refresh_from_db()
    return booking


def _arrive(booking: PartnerBooking, at) -> None:
    """Their socket opened the room (what scheduling.attendance stamps from RoomOpened)."""
    attendance.bookings_note_arrival(
        room_id=_fresh(booking).match.room_id, user_ids=[booking.user_id], at=at
    )


def _members(match: PartnerMatch) -> set[int]:
    return set(
        Participant.objects.present().filter(room=match.room).values_list("user_id", flat=True)
    )


@pytest.fixture
def pair_and_one_waiting(alice, bob, charlie, book):
    """Alice and Bob matched, Charlie waiting (blocked by neither, booked third)."""
    came, absent = book(alice), book(bob)
    waiting = book(charlie)
    return came, absent, waiting


def test_at_two_minutes_the_one_who_came_is_paired_with_someone_waiting(
    pair_and_one_waiting, slot, alice, bob, charlie
):
    came, absent, waiting = pair_and_one_waiting
    match = _fresh(absent).match
    _arrive(came, slot + timedelta(seconds=30))
    mail.outbox.clear()

    with time_machine.travel(slot + timedelta(minutes=2, seconds=1), tick=False):
        assert runner.partners_check_due() > 0
        assert runner.partners_check_due() == 0  # done once

    assert _fresh(absent).ended_why == "no_show"
    assert _fresh(waiting).match_id == match.pk
    assert _members(match) == {alice.pk, charlie.pk}
    # The absent one is a no-show for them; the one who waited is not.
    seats = {b.user_id: b for b in Booking.objects.filter(session=match.session)}
    assert seats[bob.pk].attended is False
    assert seats[alice.pk].attended is None and seats[charlie.pk].cancelled_at is None
    assert sorted(m.to[0] for m in mail.outbox) == [alice.email, charlie.email]
    match.refresh_from_db()
    assert match.no_show_checked_at is not None


def test_before_two_minutes_nothing_happens(pair_and_one_waiting, slot):
    with time_machine.travel(slot + timedelta(minutes=1, seconds=59), tick=False):
        assert runner.partners_check_due() == 0
    assert runner.next_due() == slot + services.NO_SHOW_AFTER


def test_with_nobody_waiting_the_one_who_came_keeps_it_solo_and_is_told(alice, bob, book, slot):
    came, absent = book(alice), book(bob)
    _arrive(came, slot)

    with time_machine.travel(slot + timedelta(minutes=3), tick=False):
        runner.partners_check_due()

    assert _fresh(came).is_live and _fresh(absent).ended_why == "no_show"
    bell = Notification.objects.filter(user=alice).latest("pk")
    assert "bob didn't come" in bell.text and "solo" in bell.text


def test_when_both_came_or_neither_did_the_pair_stays(alice, bob, charlie, book, slot):
    first, second = book(alice), book(bob)
    waiting = book(charlie)
    _arrive(first, slot)
    _arrive(second, slot + timedelta(minutes=1))

    with time_machine.travel(slot + timedelta(minutes=3), tick=False):
        runner.partners_check_due()

    assert _fresh(first).is_live and _fresh(second).is_live
    # Nobody could be paired with the one still waiting: told, and the booking ends.
    assert _fresh(waiting).ended_why == "unmatched"
    assert Notification.objects.filter(user=charlie, text__contains="No partner").exists()


def test_someone_with_the_room_open_since_before_the_window_counts_as_come(alice, bob, book, slot):
    came, absent = book(alice), book(bob)
    match = _fresh(came).match
    with time_machine.travel(slot + timedelta(minutes=2, seconds=30), tick=False):
        room_services.presence_write(process="p1", room_id=match.room_id, here=[alice.pk])
        runner.partners_check_due()
    assert _fresh(came).is_live and _fresh(absent).ended_why == "no_show"


def test_a_ban_ends_the_persons_matches_and_pairs_their_partner_again(
    pair_and_one_waiting, moderator, alice, bob, charlie, deliver_at_once
):
    _, banned, waiting = pair_and_one_waiting
    match = _fresh(banned).match

    moderation_services.user_ban(by=moderator, user=bob, reason="abuse")

    assert _fresh(banned).ended_why == "banned"
    assert _fresh(waiting).match_id == match.pk
    assert _members(match) == {alice.pk, charlie.pk}
    assert Booking.objects.get(session=match.session, user=bob).cancelled_late is False
    assert not PartnerBooking.objects.live().filter(user=bob).exists()


def test_a_banned_person_is_never_a_candidate(alice, bob, book):
    book(bob)
    bob.is_active = False
    bob.save(update_fields=["is_active"])
    assert book(alice).match is None


def test_the_pass_ignores_a_cancelled_session(alice, bob, charlie, book, slot):
    came, absent = book(alice), book(bob)
    _arrive(came, slot)
    match = _fresh(came).match
    match.session.cancelled_at = slot
    match.session.save(update_fields=["cancelled_at"])
    with time_machine.travel(slot + timedelta(minutes=3), tick=False):
        runner.partners_check_due()
    assert _fresh(absent).is_live
