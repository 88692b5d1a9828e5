"""Shapes shared by several routers, and the input types every router uses.

Text input refuses what PostgreSQL cannot store (NUL, lone surrogates) as a 422, never a
500. Ids are integers (the original used integers too), up to PostgreSQL's integer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from ninja import Path
from pydantic import AfterValidator, BaseModel

MAX_ID = 2**31 - 1


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


class Out(BaseModel):
    """The base of answers: plain Pydantic, validated from the dicts the routers build
    (ninja's Schema wraps every object in a getter for ORM objects, which a list of rooms
    paid for on every field)."""


class Detail(Out):
    """Every error: `{"detail": "..."}` (422 from request validation: a list of errors)."""

    detail: str | list


class UserOut(Out):
    id: int
    username: str
    bio: str
    timezone: str
    avatar_url: str | None
    stats_public: bool
    on_leaderboard: bool
    date_joined: datetime


def user_out(user) -> dict:
    return {
        "id": user.pk,
        "username": user.username,
        "bio": user.bio,
        "timezone": user.timezone,
        "avatar_url": user.avatar.url if user.avatar else None,
        "stats_public": user.stats_public,
        "on_leaderboard": user.on_leaderboard,
        "date_joined": user.date_joined,
    }


# The errors any authenticated operation can answer, documented on each.
ERRORS = {400: Detail, 401: Detail, 403: Detail, 404: Detail, 409: Detail, 422: Detail, 429: Detail}


def responses(ok_status: int, schema, *extra: int) -> dict:
    return {ok_status: schema, **ERRORS}
