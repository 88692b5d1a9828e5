"""Seats in scheduled sessions: booking one and giving it back.

The last seat is decided under the session's row lock (`services.lock_session`), so 20
people booking the last seat at once leave exactly `capacity` seats held. A seat taken or
given back publishes `SeatsChanged` once the transaction commits: the pages showing the
session redraw its seats live (scheduling.subscriptions).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import require_active
from focusmate.events import SeatsChanged, publish_on_commit
from focusmate.lib.ratelimit import hit
from scheduling.models import LATE_CANCEL, Booking, ScheduledSession
from scheduling.queries import booking_limit, held_future_bookings
from scheduling.services import PARTNER_SESSION, lock_session, require_may_see


@transaction.atomic
def booking_create(*, session: ScheduledSession, user: User) -> Booking:
    """Takes a seat for `user` (anyone who may see the room). The last seat is decided
    under the session's row lock; booking again after cancelling reuses the row; booking
    twice is the same seat. Someone with repeated no-shows holds few sessions at once
    (`scheduling.queries.booking_limit`)."""
    require_active(user=user)
    require_may_see(room=session.room, user=user)
    hit(f"booking:{user.pk}", limit=60, per_seconds=3600)
    now = timezone.now()
    session = lock_session(session=session)
    if session.seats_elsewhere:
        raise ValidationError(PARTNER_SESSION, code="conflict")
    if session.is_cancelled:
        raise ValidationError("This session was cancelled.", code="conflict")
    if session.starts_at <= now:
        raise ValidationError(
            "This session has started: join the room instead of booking.", code="conflict"
        )
    existing = Booking.objects.filter(session=session, user=user).first()
    if existing is not None and existing.cancelled_at is None:
        return existing
    limit = booking_limit(user=user, now=now)
    if limit is not None and held_future_bookings(user=user, now=now) >= limit.max_held:
        raise ValidationError(limit.explanation(user.tzinfo), code="conflict")
    held = Booking.objects.held().filter(session=session).count()
    if held >= session.capacity:
        raise ValidationError("This session is full.", code="conflict")
    booking = existing or Booking(session=session, user=user)
    booking.booked_at = now
    booking.cancelled_at = None
    booking.cancelled_late = False
    booking.reminded_at = None
    booking.save()
    booking.session = session
    publish_on_commit(SeatsChanged(session_id=session.pk, room_id=session.room_id))
    return booking


@transaction.atomic
def booking_cancel(*, session: ScheduledSession, user: User) -> Booking:
    """Gives the seat back; less than LATE_CANCEL before the start it counts as late."""
    require_active(user=user)
    now = timezone.now()
    session = lock_session(session=session)
    if session.seats_elsewhere:
        raise ValidationError(PARTNER_SESSION, code="conflict")
    booking = Booking.objects.held().filter(session=session, user=user).first()
    if booking is None:
        raise ValidationError("You haven't booked this session.", code="conflict")
    if session.starts_at <= now:
        raise ValidationError("This session has started.", code="conflict")
    booking.cancelled_at = now
    booking.cancelled_late = session.starts_at - now < LATE_CANCEL
    booking.save(update_fields=["cancelled_at", "cancelled_late"])
    booking.session = session
    publish_on_commit(SeatsChanged(session_id=session.pk, room_id=session.room_id))
    return booking
