"""Rooms: create, list and search, read, change and close (the owner only)."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from api.access import owned_room, visible_room
from api.errors import conflict
from api.schemas import ERRORS, Out, PathId, Text
from focusmate.lib.prepared import PreparedQuery
from rooms import services
from rooms.models import Participant, Room
from rooms.queries import rooms_for_list

router = Router(tags=["Rooms"])


class OwnerOut(Out):
    id: int
    username: str


class RoomOut(Out):
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


ROW_FIELDS = (
    "id",
    "owner_id",
    "owner__username",
    *Room.SETTINGS_FIELDS,
    "is_active",
    "is_solo",
    "created_at",
    "invite_token",
)


def room_out(room: Room, *, viewer) -> dict:
    row = {name: getattr(room, name) for name in ROW_FIELDS if "__" not in name}
    row["owner__username"] = room.owner.username
    row["present_count"] = getattr(room, "present_count", None)
    return row_out(row, viewer=viewer)


def row_out(row: dict, *, viewer) -> dict:
    """A room's answer from its fields (a list reads them with `values()`: no model
    instances for twenty rooms and their owners)."""
    answer = {name: row[name] for name in ROW_FIELDS if name not in _NOT_SHOWN}
    answer["owner"] = {"id": row["owner_id"], "username": row["owner__username"]}
    answer["present_count"] = row.get("present_count")
    answer["invite_token"] = row["invite_token"] if row["owner_id"] == viewer.pk else None
    return answer


_NOT_SHOWN = {"owner_id", "owner__username", "invite_token"}


@router.post("/", response={201: RoomOut, **ERRORS})
def room_create(request: HttpRequest, payload: RoomIn):
    room = services.room_create(owner=request.user, **payload.dict())
    return Status(201, room_out(room, viewer=request.user))


@router.get("/", response={200: list[RoomOut], **ERRORS})
def room_list(request: HttpRequest, filters: Query[RoomListQuery]):
    """Open public rooms, the fullest first (the rooms page's list), `limit` at a time."""
    return [
        row_out(row, viewer=request.user)
        for row in _room_rows(search=filters.q, skip=filters.skip, limit=filters.limit)
    ]


def _list_rows(search: str, skip: int, limit: int):
    return rooms_for_list(search=search).values(*ROW_FIELDS, "present_count")[skip : skip + limit]


# Most lists are the first page with no search: their SQL is compiled once (a search
# is compiled each time, as every query is).
_unsearched_rows = PreparedQuery(partial(_list_rows, ""), params={})


def _room_rows(*, search: str, skip: int, limit: int) -> list[dict]:
    if search.strip():
        return list(_list_rows(search, skip, limit))
    return _unsearched_rows.fetch(skip=skip, limit=limit)


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
