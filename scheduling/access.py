"""Who may do what with a scheduled session, by name: pages and the API ask here.

- `visible_session`: see a session (its page, its .ics, book a seat, see who booked).
  One may see the sessions of the rooms one may see (`Room.objects.visible_to`); any
  other is a 404, so a private room's plans are not confirmed to exist. A private room's
  members are the only ones who see it, so only they see who booked.
- `owned_session`: change it. Someone who sees it but doesn't own its room gets a 403.
- `schedulable_room`: schedule sessions in a room: its owner, while it is open.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.urls import reverse

from focusmate.lib.http import PageForbidden
from rooms.models import Room
from scheduling.models import ScheduledSession
from scheduling.queries import rooms_to_schedule, session_for_viewer


def visible_session(request: HttpRequest, session_id: int) -> ScheduledSession:
    """The session with its room, organiser and counts (one query); 404 if unseen."""
    session = session_for_viewer(session_id=session_id, user=request.user)
    if session is None:
        raise Http404("No such session.")
    return session


def owned_session(request: HttpRequest, session_id: int) -> ScheduledSession:
    session = visible_session(request, session_id)
    if session.room.owner_id != request.user.pk:
        raise PageForbidden("Only the room's owner can change its sessions.")
    return session


def schedulable_room(request: HttpRequest, room_id: int) -> Room:
    """A room the caller may schedule in; 404 otherwise (their own open rooms only)."""
    room = rooms_to_schedule(user=request.user).filter(pk=room_id).first()
    if room is None:
        raise Http404("No such room of yours.")
    return room


def session_page(request: HttpRequest, *, session_id: int) -> str:
    """Where a refused action on a session goes back to (`answers_refusals`)."""
    return reverse("scheduling:session", kwargs={"session_id": session_id})
