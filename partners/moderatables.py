"""A partner can be reported: the report's target is their seat in the shared session
(their PartnerBooking), so the moderator sees the person and the session together, and the
report's `target_user` is that partner."""

from __future__ import annotations

from django.urls import reverse

from moderation.registry import Moderatable, register
from partners.models import PartnerBooking

register(
    PartnerBooking,
    Moderatable(
        author_id=lambda booking: booking.user_id,
        url=lambda booking: reverse("admin:partners_partnerbooking_change", args=[booking.pk]),
    ),
)
