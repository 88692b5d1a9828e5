"""Partner emails (matched, left alone, no partner found), sent by the task worker.

As the schedule's reminders (scheduling/tasks.py): the `PartnerEmail` rows are written
and the task queued in the transaction that decided them, so a rollback queues nothing;
each email is sent in a transaction holding its row and stamping `sent_at`, so a task run
again sends nothing twice.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from partners.models import PartnerEmail

SUBJECTS = {
    PartnerEmail.Kind.MATCHED: "Partner found: {partner} at {time}",
    PartnerEmail.Kind.ALONE: "Your partner session at {time} is solo",
    PartnerEmail.Kind.UNMATCHED: "No partner for {time}",
}


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def partner_email(email: PartnerEmail) -> EmailMessage:
    booking, user = email.booking, email.booking.user
    local = timezone.localtime(booking.starts_at, user.tzinfo)
    time_text = f"{local:%a} {local.day} {local:%b %H:%M} ({user.timezone})"
    context = {
        "user": user,
        "kind": email.kind,
        "partner": email.partner,
        "partner_url": _absolute(email.partner.get_absolute_url()) if email.partner else "",
        "time": time_text,
        "work_minutes": booking.work_minutes,
        "room_url": _absolute(booking.match.room.get_absolute_url()) if booking.match else "",
        "page_url": _absolute(reverse("partners:list")),
    }
    partner_name = email.partner.username if email.partner else ""
    return EmailMessage(
        subject=SUBJECTS[email.kind].format(partner=partner_name, time=time_text),
        body=render_to_string("partners/email.txt", context),
        to=[user.email],
    )


@task
def partner_emails_send(email_ids: list[int]) -> int:
    """Sends these partner emails, each once; returns how many it sent now."""
    sent = 0
    mailer = mailers.default
    with mailer:
        for email_id in sorted(email_ids):
            with transaction.atomic():
                email = (
                    PartnerEmail.objects.select_for_update(of=("self",))
                    .select_related("booking__user", "booking__match__room", "partner")
                    .filter(pk=email_id, sent_at__isnull=True)
                    .first()
                )
                if email is None:
                    continue
                if email.booking.user.email and email.booking.user.is_active:
                    mailer.send_messages([partner_email(email)])
                    sent += 1
                email.sent_at = timezone.now()
                email.save(update_fields=["sent_at"])
    return sent
