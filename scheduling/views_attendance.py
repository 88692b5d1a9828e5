"""The attendance of one scheduled session, for its room's owner (and moderators).

Kept apart from the schedule's own pages (scheduling/views.py), with its own URLs
(scheduling/urls_attendance.py), so the two can grow independently.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from scheduling.attendance import session_attendance
from scheduling.models import NO_SHOW_GRACE, ScheduledSession


def _session_for_owner(request: HttpRequest, session_id: int) -> ScheduledSession:
    """The session, for its room's owner or a moderator; 404 for anyone else (a private
    room's sessions are not confirmed to exist)."""
    session = ScheduledSession.objects.select_related("room").filter(pk=session_id).first()
    if session is None or not (session.room.owner_id == request.user.pk or request.user.is_staff):
        raise Http404("No such session.")
    return session


@login_required
@require_GET
def session_attendance_page(request: HttpRequest, session_id: int) -> HttpResponse:
    session = _session_for_owner(request, session_id)
    bookings = session_attendance(session=session)
    held = [b for b in bookings if b.cancelled_at is None]
    context = {
        "session": session,
        "bookings": bookings,
        "marked": session.attendance_marked_at is not None,
        "attended": sum(1 for b in held if b.attended),
        "booked": len(held),
        "grace_minutes": int(NO_SHOW_GRACE.total_seconds() // 60),
        "tz": request.user.tzinfo,
    }
    return render(request, "scheduling/attendance.html", context)
