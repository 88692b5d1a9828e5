"""Reads for partner sessions' screens and the API, each one query whatever the number."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import F, OuterRef, QuerySet, Subquery

from partners.models import PartnerBooking

# The list shows bookings that ended this recently (to report or block a partner after).
RECENT = timedelta(days=14)
SHOWN = 100


def _partner(field: str) -> Subquery:
    """The partner in the booking's match: the one there now, else the last one who was."""
    others = (
        PartnerBooking.objects.filter(match=OuterRef("match"))
        .exclude(user=OuterRef("user"))
        .order_by(F("ended_at").desc(nulls_first=True), "-matched_at", "-pk")
    )
    return Subquery(others.values(field)[:1])


def with_partner(bookings: QuerySet[PartnerBooking]) -> QuerySet[PartnerBooking]:
    """Annotates `partner_booking_id`, `partner_id`, `partner_username` and
    `partner_ended_at` (None while the partner is still in the match)."""
    return bookings.annotate(
        partner_booking_id=_partner("pk"),
        partner_id=_partner("user_id"),
        partner_username=_partner("user__username"),
        partner_ended_at=_partner("ended_at"),
    )


def my_partner_bookings(*, user, now: datetime) -> list[PartnerBooking]:
    """A person's partner bookings still to come and those of the last RECENT, next first."""
    bookings = PartnerBooking.objects.filter(user=user, ends_at__gte=now - RECENT).select_related(
        "match"
    )
    return list(with_partner(bookings).order_by("-ends_at", "-pk")[:SHOWN])


def partner_booking_of(*, user, booking_id: int) -> PartnerBooking | None:
    """`user`'s own booking, with its partner (one query); None for anyone else's."""
    bookings = PartnerBooking.objects.filter(user=user, pk=booking_id).select_related("match")
    return with_partner(bookings).first()


def shared_partner_booking(*, user, partner_booking_id: int) -> PartnerBooking | None:
    """A booking of someone `user` was matched with (the same match), or None."""
    mine = PartnerBooking.objects.filter(user=user, match=OuterRef("match")).values("pk")[:1]
    return (
        PartnerBooking.objects.filter(pk=partner_booking_id, match__isnull=False)
        .exclude(user=user)
        .annotate(mine=Subquery(mine))
        .filter(mine__isnull=False)
        .select_related("user", "match")
        .first()
    )


def status_of(booking: PartnerBooking) -> str:
    """waiting | matched | solo | cancelled | no_show | banned | unmatched"""
    if booking.ended_at is not None:
        return booking.ended_why
    if booking.match_id is None:
        return "waiting"
    if booking.partner_id is not None and booking.partner_ended_at is None:
        return "matched"
    return "solo"
