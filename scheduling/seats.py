"""Seats placed by another app that decides them itself (partner matching): no
visibility check, no booking limit, no refusal after the start. The caller holds its own
lock and has authorised the person; these only write the schedule's rows, so that the
starts, reminders, the calendar feed and attendance keep coming from the schedule.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from scheduling.models import LATE_CANCEL, Booking, ScheduledSession


@transaction.atomic
def seat_place(*, session: ScheduledSession, user: User, now: datetime | None = None) -> Booking:
    """A held seat for `user` in `session` (reusing a given-back row), even after the start:
    a partner matched again two minutes in."""
    now = now or timezone.now()
    booking, created = Booking.objects.get_or_create(
        session=session, user=user, defaults={"booked_at": now}
    )
    if not created and booking.cancelled_at is not None:
        booking.booked_at = now
        booking.cancelled_at = None
        booking.cancelled_late = False
        booking.reminded_at = None
        booking.attended = None
        booking.save(
            update_fields=["booked_at", "cancelled_at", "cancelled_late", "reminded_at", "attended"]
        )
    return booking


def seat_release(
    *, session: ScheduledSession, user: User, now: datetime | None = None, counted: bool = True
) -> int:
    """Gives back `user`'s held seat; with `counted`, a release within LATE_CANCEL of the
    start counts as late (a person's own cancel; a ban's is not theirs to count)."""
    now = now or timezone.now()
    return (
        Booking.objects.held()
        .filter(session=session, user=user)
        .update(cancelled_at=now, cancelled_late=counted and session.starts_at - now < LATE_CANCEL)
    )


def seat_missed(*, session: ScheduledSession, user: User) -> int:
    """Marks `user` a no-show in `session` now (the partner who never came); attendance's
    own pass marks only seats still unmarked, so it keeps this."""
    return Booking.objects.held().filter(session=session, user=user).update(attended=False)


def session_organiser_change(*, session: ScheduledSession, to: User) -> None:
    """The session is now `to`'s (their calendar feed carries it as organiser)."""
    ScheduledSession.objects.filter(pk=session.pk).update(organiser=to)
    session.organiser = to
