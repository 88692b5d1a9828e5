"""Statistics: a person's focus over the last 1 to 366 days (the stats page's figures),
shown to others only when they made them public (the profile's setting).

`POST /stats/session` exists for the original API's clients, but it records nothing:
sessions are written by the server when a room's timer completes a phase, for the people
who were present, each credited only the seconds they were there. History a client could
post would be history nobody can trust (leaderboards, streaks and achievements count it).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from pydantic import Field, WrapValidator
from pydantic_core import PydanticCustomError

from accounts.models import User
from api.schemas import ERRORS, BodyId, Id, In, Out, PathId, Text
from stats import queries
from stats.queries import Period
from stats.streaks import user_streaks

router = Router(tags=["Stats"])


MAX_DAYS = 366
DAYS_RANGE = f"days must be a whole number from 1 to {MAX_DAYS}."


def _days_in_range(value, handler) -> int:
    """Any whole number of days up to a year (a client's dashboard asks for 365); one
    message naming the range, whether the value was out of it or not a number."""
    try:
        days = handler(value)
    except ValueError as error:  # pydantic's ValidationError: not a whole number
        raise PydanticCustomError("days_range", DAYS_RANGE) from error
    if not 1 <= days <= MAX_DAYS:
        raise PydanticCustomError("days_range", DAYS_RANGE)
    return days


Days = Annotated[
    int,
    WrapValidator(_days_in_range),
    Field(json_schema_extra={"minimum": 1, "maximum": MAX_DAYS}),
]


class DaysQuery(Schema):
    days: Days = 7


class DayOut(Out):
    day: date
    focus_seconds: int
    work_sessions: int


class StatsOut(Out):
    user_id: Id
    days: int
    start: date
    end: date
    focus_seconds: int
    work_sessions: int
    breaks: int
    average_work_seconds: int
    previous_focus_seconds: int
    current_streak: int
    longest_streak: int
    daily: list[DayOut]


class SessionIn(In):
    """Whatever an old client sends; none of it is stored."""

    room_id: BodyId | None = None
    duration_minutes: int | None = Field(default=None, ge=0, le=10_000)
    session_type: Text | None = Field(default=None, max_length=20)


class SessionAnswer(Out):
    recorded: bool
    detail: str
    today_focus_seconds: int
    today_work_sessions: int


def _readable_user(request: HttpRequest, user_id: int) -> User:
    shown = User.objects.filter(pk=user_id, is_active=True).first()
    if shown is None:
        raise Http404("No such user.")
    if shown.pk != request.user.pk and not shown.stats_public:
        raise PermissionDenied("This person keeps their statistics private.")
    return shown


@router.get("/user/{user_id}", response={200: StatsOut, **ERRORS})
def user_stats(request: HttpRequest, user_id: PathId, query: Query[DaysQuery]):
    user = _readable_user(request, user_id)
    today = timezone.localdate(timezone=user.tzinfo)
    days = query.days
    period = Period.last(days, today=today)
    summary = queries.period_summary(user=user, period=period)
    streaks = user_streaks(user=user)
    return {
        "user_id": user.pk,
        "days": days,
        "start": period.start,
        "end": period.end,
        "focus_seconds": summary.totals.focus_seconds,
        "work_sessions": summary.totals.work_sessions,
        "breaks": summary.totals.breaks,
        "average_work_seconds": summary.totals.average_work_seconds,
        "previous_focus_seconds": summary.previous.focus_seconds,
        "current_streak": streaks.current,
        "longest_streak": streaks.longest,
        "daily": [
            {"day": d.day, "focus_seconds": d.focus_seconds, "work_sessions": d.work_sessions}
            for d in queries.daily_focus(user=user, period=period)
        ],
    }


@router.post("/session", response={200: SessionAnswer, **ERRORS})
def session_report(request: HttpRequest, payload: SessionIn):
    """Records nothing (see the module's note): answers with what the server recorded
    for you today, so an old client can show the true figures."""
    user = request.user
    today = Period.last(1, today=timezone.localdate(timezone=user.tzinfo))
    totals = queries.period_summary(user=user, period=today).totals
    return {
        "recorded": False,
        "detail": (
            "Sessions are recorded by the server when a room's timer completes a phase; "
            "join a room and start its timer."
        ),
        "today_focus_seconds": totals.focus_seconds,
        "today_work_sessions": totals.work_sessions,
    }
