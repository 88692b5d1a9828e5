"""A session's seats as HTML: the same templates serve the pages and the pushes."""

from __future__ import annotations

from datetime import datetime

from django.template.loader import render_to_string

from scheduling.models import Booking, ScheduledSession


def render_booking(session: ScheduledSession, *, is_booked: bool, now: datetime) -> str:
    """The seats and the Book / Cancel / Full box, out of band. It depends on the viewer
    only through `is_booked`: a push renders it twice (booked, not), never per viewer."""
    session.is_booked = is_booked
    context = {"session": session, "now": now, "next": "", "oob": True}
    return render_to_string("scheduling/_booking.html", context)


def render_booked_people(session: ScheduledSession, people: list[Booking]) -> str:
    """Who is booked (the session page), out of band: the same for every viewer."""
    context = {"session": session, "people": people, "oob": True}
    return render_to_string("scheduling/session.html#booked-people", context)
