"""Participants: join and leave a room, who is in it, and your own status line."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from ninja import Router
from pydantic import Field

from api.errors import conflict
from api.schemas import (
    ERRORS,
    BodyId,
    Id,
    In,
    Out,
    ParticipantOut,
    PathId,
    Text,
    participant_out,
)
from rooms import services
from rooms.access import visible_room
from rooms.models import Participant, Room
from rooms.queries import people_in_room, room_for_viewer

router = Router(tags=["Participants"])


class PeopleOut(Out):
    # The original's fields
    participants: list[ParticipantOut]
    total: int = Field(description="Everyone present; `participants` lists the first 60.")
    # Ours
    room_id: Id
    count: int = Field(description="The same as `total`.")


class LeaveIn(In):
    """The original's clients also say who they are: you can only join or leave as
    yourself (the token's person), so `user_id` must be yours, and `username` is ignored
    (the name shown is always your account's)."""

    room_id: BodyId
    username: Text | None = Field(default=None, max_length=150)
    user_id: BodyId | None = None


class JoinIn(LeaveIn):
    """As yourself: `user_id`, if sent, must be yours; `username` is ignored."""

    invite_token: Text | None = Field(
        default=None, max_length=64, description="A private room's invite key."
    )


def _as_yourself(request: HttpRequest, payload: LeaveIn) -> None:
    if payload.user_id is not None and payload.user_id != request.user.pk:
        raise PermissionDenied("You can only join or leave a room as yourself.")


class StatusIn(In):
    """What you're working on, shown beside your name (the page's intention).

    Whether you are present and online is not set here: joining, leaving and having a
    socket open decide it."""

    intention: Text = Field(max_length=140)


def _joinable_room(request: HttpRequest, payload: JoinIn) -> Room:
    """A room you may see, or a private one whose invite key you hold (the invite page)."""
    if payload.invite_token:
        room = Room.objects.filter(
            pk=payload.room_id, invite_token=payload.invite_token, is_active=True
        ).first()
        if room is not None:
            return room
    return visible_room(request, payload.room_id).room


@router.post("/join", response={200: ParticipantOut, **ERRORS})
def participant_join(request: HttpRequest, payload: JoinIn):
    _as_yourself(request, payload)
    room = _joinable_room(request, payload)
    try:
        participant = services.room_join(room=room, user=request.user, token=payload.invite_token)
    except ValidationError as error:  # closed or full: the room's state, not the request
        raise conflict(error) from error
    return participant_out(participant, host_id=room.owner_id)


@router.post("/leave", response={200: ParticipantOut, **ERRORS})
def participant_leave(request: HttpRequest, payload: LeaveIn):
    _as_yourself(request, payload)
    room = visible_room(request, payload.room_id).room
    try:
        services.room_leave(room=room, user=request.user)
    except ValidationError as error:  # not in the room
        raise conflict(error) from error
    participant = Participant.objects.select_related("user").get(room=room, user=request.user)
    return participant_out(participant, host_id=room.owner_id)


@router.get("/{room_id}", response={200: PeopleOut, **ERRORS})
def participant_list(request: HttpRequest, room_id: PathId):
    """Who is in the room now, online first: the room page's list."""
    room = visible_room(request, room_id).room
    people = people_in_room(room)
    return {
        "participants": [participant_out(p, host_id=room.owner_id) for p in people.shown],
        "total": people.count,
        "room_id": room.pk,
        "count": people.count,
    }


@router.put("/{participant_id}/status", response={200: ParticipantOut, **ERRORS})
def participant_status(request: HttpRequest, participant_id: PathId, payload: StatusIn):
    """Your own membership only (403 for someone else's)."""
    participant = (
        Participant.objects.select_related("user", "room").filter(pk=participant_id).first()
    )
    if (
        participant is None
        or room_for_viewer(room_id=participant.room_id, user=request.user) is None
    ):
        raise Http404("No such participant.")
    if participant.user_id != request.user.pk:
        raise PermissionDenied("You can only change your own status.")
    updated = services.participant_set_intention(
        room=participant.room, user=request.user, intention=payload.intention
    )
    return participant_out(updated, host_id=participant.room.owner_id)
