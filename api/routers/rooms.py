"""Rooms: create, list and search, read, change and close (the owner only)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from api.access import owned_room, visible_room
from api.errors import conflict
from api.schemas import ERRORS, PathId, Text
from rooms import services
from rooms.models import Participant, Room
from rooms.queries import rooms_for_list

router = Router(tags=["Rooms"])


class OwnerOut(Schema):
    id: int
    username: str


class RoomOut(Schema):
    id: int
    name: str
    description: str
    owner: OwnerOut
    work_minutes: int
    short_break_minutes: int
    long_break_minutes: int
    long_break_every: int
    auto_start_breaks: bool
    auto_start_work: bool
    control: Literal["everyone", "owner"]
    is_public: bool
    max_participants: int | None
    is_active: bool
    is_solo: bool
    created_at: datetime
    present_count: int | None = Field(description="Members in the room now (lists only).")
    invite_token: str | None = Field(description="Only for the owner: the invite link's key.")


class RoomIn(Schema):
    name: Text = Field(min_length=1, max_length=80)
    description: Text = Field(default="", max_length=500)
    work_minutes: int = Field(default=25, ge=1, le=180)
    short_break_minutes: int = Field(default=5, ge=1, le=60)
    long_break_minutes: int = Field(default=15, ge=1, le=60)
    long_break_every: int = Field(default=4, ge=0, le=12)
    auto_start_breaks: bool = True
    auto_start_work: bool = False
    control: Literal["everyone", "owner"] = "everyone"
    is_public: bool = True
    max_participants: int | None = Field(default=None, ge=1, le=1000)


class RoomUpdateIn(Schema):
    """Any field left out keeps its value; `max_participants: null` removes the cap."""

    name: Text | None = Field(default=None, min_length=1, max_length=80)
    description: Text | None = Field(default=None, max_length=500)
    work_minutes: int | None = Field(default=None, ge=1, le=180)
    short_break_minutes: int | None = Field(default=None, ge=1, le=60)
    long_break_minutes: int | None = Field(default=None, ge=1, le=60)
    long_break_every: int | None = Field(default=None, ge=0, le=12)
    auto_start_breaks: bool | None = None
    auto_start_work: bool | None = None
    control: Literal["everyone", "owner"] | None = None
    is_public: bool | None = None
    max_participants: int | None = Field(default=None, ge=1, le=1000)


class RoomListQuery(Schema):
    q: Text = Field(default="", max_length=80, description="Search in room names.")
    skip: int = Field(default=0, ge=0, le=100_000)
    limit: int = Field(default=20, ge=1, le=100)


def room_out(room: Room, *, viewer) -> dict:
    return {
        "id": room.pk,
        "name": room.name,
        "description": room.description,
        "owner": {"id": room.owner_id, "username": room.owner.username},
        **{
            name: getattr(room, name)
            for name in Room.SETTINGS_FIELDS
            if name not in ("name", "description")
        },
        "is_active": room.is_active,
        "is_solo": room.is_solo,
        "created_at": room.created_at,
        "present_count": getattr(room, "present_count", None),
        "invite_token": room.invite_token if room.owner_id == viewer.pk else None,
    }


@router.post("/", response={201: RoomOut, **ERRORS})
def room_create(request: HttpRequest, payload: RoomIn):
    room = services.room_create(owner=request.user, **payload.dict())
    return Status(201, room_out(room, viewer=request.user))


@router.get("/", response={200: list[RoomOut], **ERRORS})
def room_list(request: HttpRequest, filters: Query[RoomListQuery]):
    """Open public rooms, the fullest first (the rooms page's list), `limit` at a time."""
    rooms = rooms_for_list(search=filters.q)[filters.skip : filters.skip + filters.limit]
    return [room_out(room, viewer=request.user) for room in rooms]


@router.get("/{room_id}", response={200: RoomOut, **ERRORS})
def room_detail(request: HttpRequest, room_id: PathId):
    room = visible_room(request, room_id).room
    room.present_count = Participant.objects.present().filter(room=room).count()
    return room_out(room, viewer=request.user)


@router.put("/{room_id}", response={200: RoomOut, **ERRORS})
def room_update(request: HttpRequest, room_id: PathId, payload: RoomUpdateIn):
    """The owner only (403 for a member, 404 for whoever may not see the room)."""
    room = owned_room(request, room_id).room
    changes = payload.dict(exclude_unset=True)
    nulls = {name for name, value in changes.items() if value is None}
    if nulls - {"max_participants"}:
        raise ValidationError(f"These can't be empty: {', '.join(sorted(nulls))}.")
    room = services.room_update(room=room, by=request.user, **changes)
    return room_out(room, viewer=request.user)


@router.delete("/{room_id}", response={200: RoomOut, **ERRORS})
def room_close(request: HttpRequest, room_id: PathId):
    """Closes the room (the owner only): it leaves the list and its timer stops; its
    history stays."""
    room = owned_room(request, room_id).room
    try:
        room = services.room_close(room=room, by=request.user)
    except ValidationError as error:  # a solo room stays open
        raise conflict(error) from error
    return room_out(room, viewer=request.user)
