"""Partner sessions' actions: book a slot, cancel, open the room, report or block a
partner, and what a ban does. Each authorises its caller and runs in one transaction.

Booking pairs at once when someone suitable waits (partners.matching); otherwise the
booking waits for the next person who books that slot. Leaving a match (a cancel, a
no-show found by partners.runner, a ban) pairs the partner left alone again with someone
waiting at the same start, or tells them it stays theirs, solo.

Choices beyond the first design, and why:

- The room is owned by the person whose booking made the pair: it is their action, so
  the rooms' and schedule's own limits on creating rooms and sessions count it, not the
  other person's. When the owner leaves (cancel, no-show, ban) the room and its session
  pass to the partner who stays (`rooms.services.room_owner_transfer`,
  `scheduling.seats.session_organiser_change`): an owner always sees a room, and someone
  who left must keep no way back into a newcomer's session, nor its calendar entry.
- A partner left alone before the start is not only told: they stay a candidate, so the
  next person who books that slot is paired with them (in their room).
- A no-show keeps their schedule seat, marked missed (`attended` False: it counts against
  them, as attendance would); the one who came is never marked for it.
- Bookings still unpaired when the no-show pass looks at their slot end as "unmatched"
  and their people are told: they had no room to go to.
- A report's target is the partner's seat (their PartnerBooking): moderation's registry
  names one author per target, and a match has two people; the seat names the partner and
  leads the moderator to the match, its session and room.
- Emails are rows (`PartnerEmail`), not a stamp on the booking: one booking may be told
  several times (matched, then alone, then matched again), each once.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Block, User
from accounts.services import require_active
from focusmate.lib.ratelimit import hit
from moderation import services as moderation_services
from moderation.models import Report
from partners import matching
from partners.models import PartnerBooking, PartnerMatch
from partners.tasks import partner_emails_send
from rooms import services as room_services
from rooms.models import Room
from scheduling import seats
from scheduling.models import GRID_MINUTES, LENGTHS
from scheduling.queries import booking_limit, held_future_bookings

logger = logging.getLogger(__name__)

MAX_AHEAD = timedelta(days=60)
# The no-show pass looks at each match this long after its start (issue #26: "has not
# opened the session 2 minutes after its start").
NO_SHOW_AFTER = timedelta(minutes=2)
BOOKINGS_PER_HOUR = 20


def _check_slot(*, starts_at: datetime, work_minutes: int, user: User, now: datetime) -> None:
    if not isinstance(starts_at, datetime) or timezone.is_naive(starts_at):
        raise ValidationError({"starts_at": "Give the start with its time zone."})
    if work_minutes not in LENGTHS:
        raise ValidationError({"work_minutes": "A partner session lasts 25, 50 or 75 minutes."})
    try:
        if starts_at <= now:
            raise ValidationError({"starts_at": "A partner session can't start in the past."})
        if starts_at > now + MAX_AHEAD:
            raise ValidationError({"starts_at": "Book at most 60 days ahead."})
        local = starts_at.astimezone(user.tzinfo)
    except OverflowError as error:
        raise ValidationError({"starts_at": "Book at most 60 days ahead."}) from error
    if local.minute % GRID_MINUTES or local.second or local.microsecond:
        raise ValidationError(
            {"starts_at": "Start on the quarter hour (:00, :15, :30 or :45)."}, code="grid"
        )


def _conflict(field: str, message: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code="conflict")})


def _queue(email_ids: list[int]) -> None:
    if email_ids:
        partner_emails_send.enqueue(email_ids)


@transaction.atomic
def partner_book(*, user: User, starts_at: datetime, work_minutes: int) -> PartnerBooking:
    """Books a 1:1 session at `starts_at` (on the grid in the person's zone) for
    `work_minutes`; paired at once with the best person waiting in that slot, if any."""
    require_active(user=user)
    now = timezone.now()
    _check_slot(starts_at=starts_at, work_minutes=work_minutes, user=user, now=now)
    starts_at = starts_at.astimezone(UTC)
    ends_at = starts_at + timedelta(minutes=work_minutes)
    hit(f"partner-book:{user.pk}", limit=BOOKINGS_PER_HOUR, per_seconds=3600)
    matching.lock_person(user_id=user.pk)
    overlapping = (
        PartnerBooking.objects.live()
        .filter(user=user, starts_at__lt=ends_at, ends_at__gt=starts_at)
        .exists()
    )
    if overlapping:
        raise _conflict("starts_at", "You already have a partner session that overlaps that time.")
    limit = booking_limit(user=user, now=now)
    if limit is not None:
        waiting = PartnerBooking.objects.live().filter(
            user=user, match__isnull=True, starts_at__gt=now
        )
        if held_future_bookings(user=user, now=now) + waiting.count() >= limit.max_held:
            raise _conflict("starts_at", limit.explanation(user.tzinfo))
    matching.lock_slot(starts_at=starts_at, work_minutes=work_minutes)
    booking = PartnerBooking.objects.create(
        user=user, starts_at=starts_at, work_minutes=work_minutes, ends_at=ends_at, created_at=now
    )
    booking.user = user
    _queue(_pair(booking=booking, now=now))
    logger.info(
        "partner booking=%s user=%s matched=%s", booking.pk, user.pk, booking.match_id or "-"
    )
    return booking


def _pair(*, booking: PartnerBooking, now: datetime) -> list[int]:
    """Pairs the unmatched `booking` with the best candidate of its slot, if any (the
    caller holds the slot's lock). Returns the emails to queue."""
    other = matching.candidates(
        for_user=booking.user,
        starts_at=booking.starts_at,
        work_minutes=booking.work_minutes,
        waiting_only=False,
    ).first()
    if other is None:
        return []
    if other.match is None:
        matching.match_create(newcomer=booking, other=other, now=now)
    else:
        matching.seat_take(match=other.match, booking=booking, seat=3 - other.seat, now=now)
    return matching.tell_matched(first=other, second=booking, now=now)


def leave_match(
    *, booking: PartnerBooking, why: str, now: datetime, counted: bool = False
) -> list[int]:
    """Ends `booking` (the caller holds the slot's lock and the row). Its partner, if one
    is left, gets the room, and is paired again with someone waiting at that start or
    told it stays theirs. Returns the emails to queue."""
    booking.ended_at, booking.ended_why = now, why
    booking.save(update_fields=["ended_at", "ended_why"])
    match = booking.match
    if match is None:
        return []
    if why == PartnerBooking.Ended.NO_SHOW:
        seats.seat_missed(session=match.session, user=booking.user)
    else:
        seats.seat_release(session=match.session, user=booking.user, now=now, counted=counted)
    matching.room_leave_if_in(match=match, user=booking.user)
    remaining = PartnerBooking.objects.live().filter(match=match).select_related("user").first()
    if remaining is None:
        if booking.user.is_active and match.room.owner_id == booking.user.pk:
            # Nobody left before the start: the room closes and its session is cancelled.
            room_services.room_close(room=match.room, by=booking.user)
        return []
    if match.room.owner_id == booking.user.pk:
        matching.owner_hand_over(match=match, to=remaining.user)
    # Someone still waiting at that start: there are some only until the no-show pass,
    # which ends the bookings it could not pair (bookings close at the start).
    newcomer = matching.candidates(
        for_user=remaining.user,
        starts_at=match.starts_at,
        work_minutes=match.work_minutes,
        waiting_only=True,
    ).first()
    if newcomer is None:
        return matching.tell_alone(booking=remaining, gone=booking.user, why=why, now=now)
    matching.seat_take(match=match, booking=newcomer, seat=booking.seat, now=now)
    return matching.tell_matched(first=remaining, second=newcomer, now=now)


def _locked(booking_id: int) -> PartnerBooking | None:
    return (
        PartnerBooking.objects.select_for_update(of=("self",))
        .select_related("user", "match__room", "match__session")
        .filter(pk=booking_id)
        .first()
    )


@transaction.atomic
def partner_cancel(*, booking: PartnerBooking, by: User) -> PartnerBooking:
    """Cancels one's own booking before its start; the partner left is paired again."""
    require_active(user=by)
    if booking.user_id != by.pk:
        raise PermissionDenied("This isn't your partner session.")
    now = timezone.now()
    matching.lock_slot(starts_at=booking.starts_at, work_minutes=booking.work_minutes)
    booking = _locked(booking.pk)
    if booking is None or not booking.is_live:
        raise ValidationError("This partner session was already cancelled.", code="conflict")
    if booking.starts_at <= now:
        raise ValidationError("This partner session has started.", code="conflict")
    _queue(leave_match(booking=booking, why=PartnerBooking.Ended.CANCELLED, now=now, counted=True))
    return booking


def partner_bookings_end_for_ban(*, user_id: int) -> int:
    """A banned person's live bookings end (the UserDeactivated subscriber); their partners
    are paired again or told. Returns how many ended. One transaction per slot."""
    now = timezone.now()
    ended = 0
    pending = PartnerBooking.objects.live().filter(user_id=user_id, ends_at__gt=now)
    for booking_id, starts_at, work_minutes in pending.values_list(
        "pk", "starts_at", "work_minutes"
    ):
        with transaction.atomic():
            matching.lock_slot(starts_at=starts_at, work_minutes=work_minutes)
            booking = _locked(booking_id)
            if booking is None or not booking.is_live:
                continue
            _queue(leave_match(booking=booking, why=PartnerBooking.Ended.BANNED, now=now))
            ended += 1
    return ended


def partner_room_closed(*, room_id: int) -> int:
    """A partner room closed before its start (its owner closed it: the RoomClosed
    subscriber). The owner's booking ends as cancelled; their partner waits again and is
    paired with someone at that start if anyone is, in a new room. Returns how many
    bookings changed."""
    now = timezone.now()
    match = PartnerMatch.objects.filter(room_id=room_id).first()
    if match is None or match.starts_at <= now:
        return 0
    with transaction.atomic():
        matching.lock_slot(starts_at=match.starts_at, work_minutes=match.work_minutes)
        owner_id = Room.objects.filter(pk=room_id).values_list("owner_id", flat=True).first()
        live = list(
            PartnerBooking.objects.live()
            .filter(match=match)
            .select_for_update(of=("self",))
            .select_related("user")
        )
        emails: list[int] = []
        for booking in live:
            if booking.user_id == owner_id:
                booking.ended_at, booking.ended_why = now, PartnerBooking.Ended.CANCELLED
                booking.save(update_fields=["ended_at", "ended_why"])
                continue
            booking.match, booking.seat, booking.matched_at = None, None, None
            booking.save(update_fields=["match", "seat", "matched_at"])
            found = _pair(booking=booking, now=now)
            if not found:
                matching.tell_waiting_again(booking=booking, now=now)
            emails += found
        _queue(emails)
    return len(live)


@transaction.atomic
def partner_room_enter(*, booking: PartnerBooking, by: User) -> Room:
    """The room of one's live, matched booking, rejoined if one had left its page's room."""
    require_active(user=by)
    if booking.user_id != by.pk:
        raise PermissionDenied("This isn't your partner session.")
    booking = _locked(booking.pk)
    if booking is None or not booking.is_live or booking.match is None:
        raise ValidationError("This partner session has no room (yet).", code="conflict")
    room = booking.match.room
    room_services.room_join(room=room, user=by, seated=True)
    return room


def _partner_in(*, by: User, partner_booking: PartnerBooking, now: datetime) -> PartnerMatch:
    """The match `by` shared with `partner_booking`'s person, once its start has come."""
    require_active(user=by)
    match = partner_booking.match
    shared = (
        match is not None
        and partner_booking.user_id != by.pk
        and PartnerBooking.objects.filter(match=match, user=by).exists()
    )
    if not shared:
        raise PermissionDenied("You weren't partnered with this person.")
    if match.starts_at > now:
        raise ValidationError(
            "You can report a partner once your session has started.", code="conflict"
        )
    return match


def partner_report(
    *, by: User, partner_booking: PartnerBooking, reason: str, text: str = ""
) -> Report:
    """Puts the partner in the moderation queue, their seat in the session attached."""
    _partner_in(by=by, partner_booking=partner_booking, now=timezone.now())
    return moderation_services.report_create(
        by=by, target=partner_booking, reason=reason, text=text
    )


def partner_block(*, by: User, partner_booking: PartnerBooking) -> Block:
    """'Never match me with them again': a block, which matching never crosses."""
    require_active(user=by)
    match = partner_booking.match
    if match is None or not PartnerBooking.objects.filter(match=match, user=by).exists():
        raise PermissionDenied("You weren't partnered with this person.")
    if partner_booking.user_id == by.pk:
        raise ValidationError("You can't block yourself.")
    return account_services.user_block(by=by, user=partner_booking.user)
