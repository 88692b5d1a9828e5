"""Rooms: create, list and search, read, change and close (the owner only)."""

from __future__ import annotations

from functools import partial
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from api.errors import conflict
from api.schemas import (
    ERRORS,
    ROOM_FIELDS,
    In,
    PathId,
    RoomOut,
    Text,
    either,
    room_out,
    room_row_out,
)
from focusmate.lib.prepared import PreparedQuery
from rooms import services
from rooms.access import owned_room, visible_room
from rooms.models import Participant
from rooms.queries import rooms_for_list

router = Router(tags=["Rooms"])


class RoomIn(In):
    name: Text = Field(min_length=1, max_length=80)
    description: Text = Field(default="", max_length=500)
    work_minutes: int = either("work_minutes", "work_duration", default=25, ge=1, le=180)
    short_break_minutes: int = either(
        "short_break_minutes", "break_duration", default=5, ge=1, le=60
    )
    long_break_minutes: int = Field(default=15, ge=1, le=60)
    long_break_every: int = Field(default=4, ge=0, le=12)
    auto_start_breaks: bool = either("auto_start_breaks", "auto_start_break", default=True)
    auto_start_work: bool = False
    control: Literal["everyone", "owner"] = "everyone"
    is_public: bool = True
    max_participants: int | None = Field(default=None, ge=1, le=1000)


class RoomUpdateIn(In):
    """Any field left out keeps its value; `max_participants: null` removes the cap."""

    name: Text | None = Field(default=None, min_length=1, max_length=80)
    description: Text | None = Field(default=None, max_length=500)
    work_minutes: int | None = either("work_minutes", "work_duration", default=None, ge=1, le=180)
    short_break_minutes: int | None = either(
        "short_break_minutes", "break_duration", default=None, ge=1, le=60
    )
    long_break_minutes: int | None = Field(default=None, ge=1, le=60)
    long_break_every: int | None = Field(default=None, ge=0, le=12)
    auto_start_breaks: bool | None = either("auto_start_breaks", "auto_start_break", default=None)
    auto_start_work: bool | None = None
    control: Literal["everyone", "owner"] | None = None
    is_public: bool | None = None
    max_participants: int | None = Field(default=None, ge=1, le=1000)


class RoomListQuery(Schema):
    q: Text = Field(default="", max_length=80, description="Search in room names.")
    skip: int = Field(default=0, ge=0, le=100_000)
    limit: int = Field(default=20, ge=1, le=100)


@router.post("/", response={201: RoomOut, **ERRORS})
def room_create(request: HttpRequest, payload: RoomIn):
    room = services.room_create(owner=request.user, **payload.dict())
    return Status(201, room_out(room, viewer=request.user))


@router.get("/", response={200: list[RoomOut], **ERRORS})
def room_list(request: HttpRequest, filters: Query[RoomListQuery]):
    """Open public rooms, the fullest first (the rooms page's list), `limit` at a time."""
    return [
        room_row_out(row, viewer=request.user)
        for row in _room_rows(search=filters.q, skip=filters.skip, limit=filters.limit)
    ]


def _list_rows(search: str, skip: int, limit: int):
    return rooms_for_list(search=search).values(*ROOM_FIELDS, "present_count")[skip : skip + limit]


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
