"""The API's edge: the input types every router uses, and the shapes of the answers that
more than one place sends (the routers, and the JSON socket's messages).

The contract is the original FastAPI backend's (issue #17): its request bodies are
accepted as its clients send them, and its answers carry its field names with its JSON
types. Names are mapped here and in the routers only; services keep one name each.

- **Ids** are sent as strings of digits (`"42"`), as the original sent them, and are
  accepted as a string or a number.
- **Two spellings**: where Focus Mate has a name of its own (`body`, `recipient_id`,
  `work_minutes`…), a request may use either it or the original's (`content`,
  `receiver_id`, `work_duration`…); `either()` declares such a field and the published
  schema shows both names.
- **Answers** carry the original's fields and, beside them, ours (`ends_at`,
  `server_now`, `body_html`…).

Text input refuses what PostgreSQL cannot store (NUL, lone surrogates) as a 422, never a
500. Ids fit PostgreSQL's integer.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from allauth.account.models import EmailAddress
from ninja import Path, Schema
from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
)

from rooms.models import Room
from stats.queries import all_time_work

MAX_ID = 2**31 - 1
MAX_BIG_ID = 2**63 - 1  # messages' ids (and read states)
ID_PATTERN = r"^[0-9]+$"


def _storable(value: str) -> str:
    if "\x00" in value:
        raise ValueError("Text can't contain the NUL character.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise ValueError("Text must be valid Unicode.") from error
    return value


Text = Annotated[str, AfterValidator(_storable)]
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]


# --- Ids ------------------------------------------------------------------------------


def _id_from_text(value: Any) -> Any:
    """An id in a request: a number, or a string of digits (what the original sent)."""
    if isinstance(value, str):
        if not re.fullmatch(r"[0-9]{1,19}", value):
            raise ValueError("An id is a whole number, such as 42 or “42”.")
        return int(value)
    if isinstance(value, bool):  # JSON true is not the id 1
        raise ValueError("An id is a whole number, such as 42 or “42”.")
    return value


def _body_id(maximum: int) -> Any:
    digits = len(str(maximum))
    in_schema = {
        "anyOf": [
            {"type": "integer", "minimum": 1, "maximum": maximum},
            {"type": "string", "pattern": f"^[0-9]{{1,{digits}}}$"},
        ],
        "description": "An id, as a number or a string of digits.",
    }
    return Annotated[
        int,
        BeforeValidator(_id_from_text),
        Field(ge=1, le=maximum),
        WithJsonSchema(in_schema),
    ]


# An id in a request body: `42` or `"42"`; a message's may be larger.
BodyId = _body_id(MAX_ID)
BigBodyId = _body_id(MAX_BIG_ID)


def _id_as_text(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


# An id in an answer: always a string of digits, as the original's clients parse it.
Id = Annotated[str, BeforeValidator(_id_as_text), Field(pattern=ID_PATTERN)]


# --- Two spellings --------------------------------------------------------------------


def either(ours: str, original: str, **field: Any) -> Any:
    """A request field that takes our name or the original API's (`Field` arguments
    follow). When a body has both, ours wins."""
    note = f"Also accepted as `{original}` (the original API's name)."
    description = f"{field.pop('description')} {note}" if "description" in field else note
    return Field(validation_alias=AliasChoices(ours, original), description=description, **field)


def _show_both_spellings(schema: dict, model: type[BaseModel]) -> None:
    """Publishes each `either()` field under both names; a required one needs either."""
    properties = schema.get("properties", {})
    required = schema.get("required", [])
    alternatives = []
    for field in model.model_fields.values():
        alias = field.validation_alias
        if not isinstance(alias, AliasChoices):
            continue
        shown, *others = [choice for choice in alias.choices if isinstance(choice, str)]
        for other in others:
            properties[other] = {
                **properties[shown],
                "title": other,
                "description": f"The original API's name for `{shown}`.",
            }
        if shown in required:
            required.remove(shown)
            alternatives.append({"anyOf": [{"required": [name]} for name in (shown, *others)]})
    if "required" in schema and not required:
        del schema["required"]
    if alternatives:
        schema["allOf"] = alternatives


class In(Schema):
    """The base of request bodies."""

    model_config = ConfigDict(json_schema_extra=_show_both_spellings)


class Out(BaseModel):
    """The base of answers: plain Pydantic, validated from the dicts the routers build
    (ninja's Schema wraps every object in a getter for ORM objects, which a list of rooms
    paid for on every field)."""


def as_json(schema: type[Out], data: dict) -> dict:
    """An answer as JSON-ready values (ids as strings, times as ISO 8601), for a socket
    message that carries the same shape as an HTTP answer."""
    return schema.model_validate(data).model_dump(mode="json")


class Detail(Out):
    """Every error: `{"detail": "..."}` (422 from request validation: a list of errors)."""

    detail: str | list


# --- People ---------------------------------------------------------------------------


class UserOut(Out):
    # The original's fields
    id: Id
    email: str = Field(description="Only in your own account; empty in someone else's.")
    username: str
    is_active: bool
    is_verified: bool = Field(description="The account's email address is confirmed.")
    bio: str
    total_focus_time: int = Field(description="All-time focus, in whole minutes.")
    total_sessions: int = Field(description="All-time completed work sessions.")
    created_at: datetime
    updated_at: datetime | None = Field(description="Not kept by Focus Mate: always null.")
    # Ours
    timezone: str | None
    avatar_url: str | None
    stats_public: bool | None
    on_leaderboard: bool | None
    date_joined: datetime
    total_focus_seconds: int


def email_verified(user) -> bool:
    """Whether the person confirmed an email address (allauth's record of it)."""
    return EmailAddress.objects.filter(user=user, verified=True).exists()


def user_out(user, *, viewer=None) -> dict:
    """A person as the original showed them; `viewer` other than themselves sees no email
    address and no private settings (null)."""
    focus_seconds, sessions = all_time_work(user=user)
    own = viewer is None or viewer.pk == user.pk
    return {
        "id": user.pk,
        "email": user.email if own else "",
        "username": user.username,
        "is_active": user.is_active,
        "is_verified": email_verified(user),
        "bio": user.bio,
        "total_focus_time": focus_seconds // 60,
        "total_sessions": sessions,
        "created_at": user.date_joined,
        "updated_at": None,
        "timezone": user.timezone if own else None,
        "avatar_url": user.avatar.url if user.avatar else None,
        "stats_public": user.stats_public if own else None,
        "on_leaderboard": user.on_leaderboard if own else None,
        "date_joined": user.date_joined,
        "total_focus_seconds": focus_seconds,
    }


class PersonOut(Out):
    id: Id
    username: str


# --- Rooms ----------------------------------------------------------------------------


class RoomOut(Out):
    # The original's fields
    id: Id
    name: str
    work_duration: int = Field(description="Minutes of work (our `work_minutes`).")
    break_duration: int = Field(description="Minutes of a short break (`short_break_minutes`).")
    auto_start_break: bool = Field(description="Breaks start by themselves (`auto_start_breaks`).")
    is_active: bool
    host_id: Id = Field(description="The owner's id (our `owner.id`).")
    created_at: datetime
    updated_at: datetime | None = Field(description="Not kept by Focus Mate: always null.")
    # Ours
    description: str
    owner: PersonOut
    work_minutes: int
    short_break_minutes: int
    long_break_minutes: int
    long_break_every: int
    auto_start_breaks: bool
    auto_start_work: bool
    control: Literal["everyone", "owner"]
    is_public: bool
    max_participants: int | None
    is_solo: bool
    present_count: int | None = Field(description="Members in the room now (lists only).")
    invite_token: str | None = Field(description="Only for the owner: the invite link's key.")


ROOM_FIELDS = (
    "id",
    "owner_id",
    "owner__username",
    *Room.SETTINGS_FIELDS,
    "is_active",
    "is_solo",
    "created_at",
    "invite_token",
)


def room_out(room, *, viewer) -> dict:
    row = {name: getattr(room, name) for name in ROOM_FIELDS if "__" not in name}
    row["owner__username"] = room.owner.username
    row["present_count"] = getattr(room, "present_count", None)
    return room_row_out(row, viewer=viewer)


def room_row_out(row: dict, *, viewer) -> dict:
    """A room's answer from its fields (a list reads them with `values()`: no model
    instances for twenty rooms and their owners)."""
    answer = {name: row[name] for name in ROOM_FIELDS if name not in _ROOM_NOT_SHOWN}
    answer["owner"] = {"id": row["owner_id"], "username": row["owner__username"]}
    answer["present_count"] = row.get("present_count")
    answer["invite_token"] = row["invite_token"] if row["owner_id"] == viewer.pk else None
    answer.update(
        work_duration=row["work_minutes"],
        break_duration=row["short_break_minutes"],
        auto_start_break=row["auto_start_breaks"],
        host_id=row["owner_id"],
        updated_at=None,
    )
    return answer


_ROOM_NOT_SHOWN = {"owner_id", "owner__username", "invite_token"}


# --- The timer ------------------------------------------------------------------------


class TimerSettingsOut(Out):
    work_seconds: int
    short_break_seconds: int
    long_break_seconds: int
    long_break_every: int
    auto_start_breaks: bool
    auto_start_work: bool


class TimerOut(Out):
    """What the room page's timer shows. `remaining_seconds` is exact as of `server_now`;
    to count down, count from `ends_at` against `server_now` (correcting for your clock's
    offset) while `status` is running."""

    # The original's fields
    id: Id = Field(description="The timer's id: its room's (a room has one timer).")
    room_id: Id
    status: Literal["idle", "running", "paused"]
    phase: Literal["work", "short_break", "long_break"]
    duration: int = Field(description="The phase's length in seconds.")
    remaining_seconds: int
    started_at: datetime | None = Field(description="When this phase started (null if idle).")
    paused_at: datetime | None = Field(description="While paused: when.")
    is_auto_start: bool = Field(description="The next phase starts by itself when this ends.")
    # Ours
    version: int
    seq: int
    cycle: int
    ends_at: datetime | None
    phase_started_at: datetime | None
    duration_seconds: int
    server_now: datetime
    actions: list[str]
    settings: TimerSettingsOut


def timer_out(data: dict) -> dict:
    """The original's timer fields beside ours, from `timers.rendering.timer_data`'s dict
    (an HTTP answer, or the `data` of a `timer.changed` event)."""
    settings = data["settings"]
    next_is_a_break = data["phase"] == "work"
    return {
        **data,
        "id": data["room_id"],
        "duration": data["duration_seconds"],
        "started_at": data["phase_started_at"],
        "is_auto_start": settings["auto_start_breaks" if next_is_a_break else "auto_start_work"],
    }


# --- Participants ---------------------------------------------------------------------


class ParticipantOut(Out):
    # The original's fields
    id: Id
    room_id: Id
    user_id: Id
    username: str
    is_connected: bool = Field(description="In the room with a socket open now (our `online`).")
    is_host: bool = Field(description="The room's owner.")
    joined_at: datetime
    left_at: datetime | None
    # Ours
    user: PersonOut
    intention: str
    online: bool
    goal: str = Field(
        description="Their goal for the work phase now: the intention, saved with the "
        "phase in their history when it ends."
    )
    done_seq: int | None = Field(
        description="The latest work phase (the timer's `seq`) they checked out as done, "
        "if they show their check-outs to the room; their ✓ belongs beside them during "
        "the break right after it (`seq` + 1)."
    )


def participant_out(participant, *, host_id: int) -> dict:
    """`host_id`: the room's owner (the caller has the room at hand)."""
    online = bool(getattr(participant, "online", False)) and participant.is_present
    username = participant.user.username
    return {
        "id": participant.pk,
        "room_id": participant.room_id,
        "user_id": participant.user_id,
        "username": username,
        "is_connected": online,
        "is_host": participant.user_id == host_id,
        "joined_at": participant.joined_at,
        "left_at": participant.left_at,
        "user": {"id": participant.user_id, "username": username},
        "intention": participant.intention,
        "online": online,
        "goal": participant.intention,
        "done_seq": getattr(participant, "done_seq", None),
    }


# The errors any authenticated operation can answer, documented on each.
ERRORS = {400: Detail, 401: Detail, 403: Detail, 404: Detail, 409: Detail, 422: Detail, 429: Detail}
