"""Partner sessions in the JSON API: book a slot, cancel, and your bookings with their
matches. The same services and queries as the pages: someone else's booking is a 404, a
start off the grid, in the past or a length other than 25/50/75 a 422, an overlap or a
state that forbids the action a 409, too many bookings a 429.

Two spellings, as elsewhere in the API (api/schemas.py `either`): `work_minutes` or the
original's `work_duration` (its rooms' name for a work phase's length), `starts_at` or
`start_time`. Both are in the OpenAPI schema.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Router, Status
from pydantic import Field

from api.schemas import ERRORS, Id, In, Out, PathId, either
from partners import queries, services
from partners.models import PartnerBooking
from scheduling.api import AwareDatetime

router = Router(tags=["Partners"])


class PartnerBookingIn(In):
    starts_at: AwareDatetime = either(
        "starts_at", "start_time", description="On the quarter hour in your time zone."
    )
    work_minutes: Literal[25, 50, 75] = either(
        "work_minutes", "work_duration", description="Minutes of work: 25, 50 or 75."
    )


class PartnerOut(Out):
    id: Id
    username: str
    profile_url: str


class PartnerBookingOut(Out):
    id: Id
    starts_at: datetime
    ends_at: datetime
    work_minutes: int
    work_duration: int = Field(description="The same as `work_minutes` (the original's name).")
    status: str = Field(
        description="waiting | matched | solo | cancelled | no_show | banned | unmatched"
    )
    partner: PartnerOut | None = Field(description="Who you are matched with (or were).")
    room_id: Id | None
    session_id: Id | None
    room_url: str | None = Field(description="Opens the room (rejoining it if you left).")
    created_at: datetime


def booking_out(request: HttpRequest, booking: PartnerBooking) -> dict:
    partner = None
    if booking.partner_id is not None:
        partner = {
            "id": booking.partner_id,
            "username": booking.partner_username,
            "profile_url": request.build_absolute_uri(
                reverse("accounts:profile", kwargs={"username": booking.partner_username})
            ),
        }
    live_match = booking.match if booking.ended_at is None else None
    return {
        "id": booking.pk,
        "starts_at": booking.starts_at,
        "ends_at": booking.ends_at,
        "work_minutes": booking.work_minutes,
        "work_duration": booking.work_minutes,
        "status": queries.status_of(booking),
        "partner": partner,
        "room_id": live_match.room_id if live_match else None,
        "session_id": live_match.session_id if live_match else None,
        "room_url": request.build_absolute_uri(reverse("partners:room", args=[booking.pk]))
        if live_match
        else None,
        "created_at": booking.created_at,
    }


def _mine(request: HttpRequest, booking_id: int) -> PartnerBooking:
    booking = queries.partner_booking_of(user=request.user, booking_id=booking_id)
    if booking is None:
        raise Http404("No such partner booking.")
    return booking


@router.get("/bookings", response={200: list[PartnerBookingOut], **ERRORS})
def partner_booking_list(request: HttpRequest):
    """Your partner bookings still to come and those of the last two weeks, with whom you
    are matched."""
    bookings = queries.my_partner_bookings(user=request.user, now=timezone.now())
    return [booking_out(request, booking) for booking in bookings]


@router.post("/bookings", response={201: PartnerBookingOut, **ERRORS})
def partner_booking_create(request: HttpRequest, payload: PartnerBookingIn):
    """Books a 1:1 partner session; matched at once when someone waits for that slot."""
    booking = services.partner_book(
        user=request.user, starts_at=payload.starts_at, work_minutes=payload.work_minutes
    )
    return Status(201, booking_out(request, _mine(request, booking.pk)))


@router.get("/bookings/{booking_id}", response={200: PartnerBookingOut, **ERRORS})
def partner_booking_read(request: HttpRequest, booking_id: PathId):
    return booking_out(request, _mine(request, booking_id))


@router.delete("/bookings/{booking_id}", response={200: PartnerBookingOut, **ERRORS})
def partner_booking_cancel(request: HttpRequest, booking_id: PathId):
    """Cancels it before the start; your partner is matched again or keeps it solo."""
    services.partner_cancel(booking=_mine(request, booking_id), by=request.user)
    return booking_out(request, _mine(request, booking_id))
