"""Reminder emails, sent by the task worker (Django's Tasks framework, django-tasks-db).

The scheduler's reminder pass queues one task per batch in the transaction that claims
the reminders (`Booking.reminded_at`), so the task row exists exactly when the claim
does: a pass that dies before its commit queues nothing and leaves the reminders due; a
worker that dies leaves the task, which runs again (focusmate/worker.py).

Running again must not mail twice: each booking's email is sent inside a transaction that
holds its row and sets `reminder_emailed_at`, and a booking whose email is already
stamped is skipped. A second worker that picked the task up again (a lease ran out under
a slow first one) waits for that row, then finds it stamped. Only a worker killed between
the mail server's acceptance and its own commit can send one twice: no database can be
in one transaction with an SMTP server.
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import timezone

from scheduling.models import Booking


def _zone(name: str):
    try:
        return zoneinfo.ZoneInfo(name)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        return UTC


def reminder_email(booking: Booking) -> EmailMessage:
    """The email: the session's start in the person's own zone (and the organiser's zone
    when it differs), the room's link."""
    session, user = booking.session, booking.user
    tz = _zone(user.timezone)
    local = timezone.localtime(session.starts_at, tz)
    title = session.title or session.room.name
    context = {
        "user": user,
        "session": session,
        "title": title,
        # Formatted here: the template's `date` filter would turn them back to UTC.
        "time": f"{local:%H:%M}",
        "day": f"{local:%A} {local.day} {local:%B}",
        "zone": user.timezone,
        "organiser_time": (
            f"{timezone.localtime(session.starts_at, _zone(session.timezone)):%H:%M}"
            if session.timezone != user.timezone
            else ""
        ),
        "room_url": settings.SITE_URL.rstrip("/") + session.room.get_absolute_url(),
    }
    return EmailMessage(
        subject=f"Reminder: {title} at {local:%H:%M} ({user.timezone})",
        body=render_to_string("scheduling/reminder_email.txt", context),
        to=[user.email],
    )


@task
def reminder_emails_send(booking_ids: list[int]) -> int:
    """Emails these bookings' reminders, each once; returns how many it sent now."""
    sent = 0
    mailer = mailers.default
    with mailer:  # one connection for the batch
        for booking_id in sorted(booking_ids):
            with transaction.atomic():
                booking = (
                    Booking.objects.select_for_update(of=("self",))
                    .select_related("session__room", "user")
                    .filter(pk=booking_id, reminder_emailed_at__isnull=True)
                    .first()
                )
                if booking is None:
                    continue  # sent by an earlier run (or the booking is gone)
                if booking.user.email and booking.cancelled_at is None:
                    mailer.send_messages([reminder_email(booking)])
                    sent += 1
                booking.reminder_emailed_at = timezone.now()
                booking.save(update_fields=["reminder_emailed_at"])
    return sent
