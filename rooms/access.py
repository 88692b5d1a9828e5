"""Who may do what with a room, by name: pages, sockets, the API and the leaderboard
all ask here, so a rule is written once.

- `visible_room`: see a room (its page, its timer, join or leave it). A room one may not
  see is a 404: a private room is not confirmed to exist.
- `owned_room`: own a room (change it, close it, renew its invite). Someone who may see
  it but doesn't own it gets a 403.
- `socket_membership`: open a room's socket (and, on a resync, keep it open).
- `board_rooms` / `board_room`: the rooms whose weekly board one may open, and one of
  them; `listed_board_rooms`: those the leaderboard lists (one's own), all of which open.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse

from focusmate.lib.http import PageForbidden
from rooms.models import Participant, Room
from rooms.queries import Viewing, membership_with_timer, room_for_viewer


def visible_room(request: HttpRequest, room_id: int, *, with_timer: bool = False) -> Viewing:
    """The room and the caller's membership (and, with `with_timer`, its timer), in one
    query; 404 when they may not see it (`Room.objects.visible_to`)."""
    viewing = room_for_viewer(room_id=room_id, user=request.user, with_timer=with_timer)
    if viewing is None:
        raise Http404("No such room.")
    return viewing


def owned_room(request: HttpRequest, room_id: int) -> Viewing:
    """As `visible_room`, and only for the room's owner (403 for anyone else)."""
    viewing = visible_room(request, room_id)
    if viewing.room.owner_id != request.user.pk:
        raise PageForbidden("Only the room's owner can change it.")
    return viewing


def room_page(request: HttpRequest, *, room_id: int) -> str:
    """Where a refused action on a room goes back to: the room's page (`answers_refusals`)."""
    return reverse("rooms:detail", kwargs={"room_id": room_id})


def socket_membership(*, room_id: int, user) -> Participant | None:
    """May `user` open this room's socket? Their present membership (with the room and
    its timer), or None.

    Stricter than seeing the room, on purpose: a socket carries the room's live life
    (presence, chat, timer pushes) that only the people in it receive, so it needs
    present membership of an open room. An owner who left, or anyone on a public room's
    page without joining, sees the page but gets no socket until they join."""
    return membership_with_timer(room_id=room_id, user=user)


def board_rooms(user) -> QuerySet[Room]:
    """The rooms whose weekly board `user` may open: the shared rooms they may see (a solo
    room has no board). A closed room keeps its history, and its page still links to its
    board for its owner and those still in it."""
    return Room.objects.visible_to(user).filter(is_solo=False)


def board_room(request: HttpRequest, room_id: int) -> Room:
    """One of `board_rooms`; 404 otherwise (a private room is not confirmed to exist)."""
    return get_object_or_404(board_rooms(request.user), pk=room_id)


def listed_board_rooms(*, user) -> QuerySet[Room]:
    """The boards the leaderboard lists: those of the `board_rooms` one owns or is in now.
    Any public room's board opens too (from its page), but listing them all would list
    every room of the site."""
    return (
        board_rooms(user)
        .filter(Q(owner=user) | Q(participants__user=user, participants__left_at__isnull=True))
        .distinct()
        .order_by("name")
    )
