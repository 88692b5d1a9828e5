"""The pages' access rules, as the API applies them: a room you may not see is a 404
(a private room is not confirmed to exist), and only its owner may change it."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from rooms.queries import Viewing, room_for_viewer


def visible_room(request: HttpRequest, room_id: int, *, with_timer: bool = False) -> Viewing:
    """The room and the caller's membership (and its timer), in one query; 404 when not
    visible to them."""
    viewing = room_for_viewer(room_id=room_id, user=request.user, with_timer=with_timer)
    if viewing is None:
        raise Http404("No such room.")
    return viewing


def owned_room(request: HttpRequest, room_id: int) -> Viewing:
    viewing = visible_room(request, room_id)
    if viewing.room.owner_id != request.user.pk:
        raise PermissionDenied("Only the room's owner can change it.")
    return viewing
