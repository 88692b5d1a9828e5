"""Statistics: a person's focus over the last 1 to 366 days (the stats page's figures),
shown to others only when they made them public (the profile's setting).

`POST /stats/session` exists for the original API's clients, but it records nothing:
sessions are written by the server when a room's timer completes a phase, for the people
who were present, each credited only the seconds they were there. History a client could
post would be history nobody can trust (leaderboards, streaks and achievements count it).

What a person adds to their own history is the check-out of a work phase: "Did you do
it?" (`POST /stats/history/{session_id}/outcome`, or `POST /stats/checkout` naming the
room and the timer's `seq`, as a socket's `timer.changed` told it). The goal is the
intention they had in the room when the phase ended.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from pydantic import Field, WrapValidator
from pydantic_core import PydanticCustomError

from accounts.models import User
from api.schemas import ERRORS, MAX_ID, BodyId, Id, In, Out, PathId, Text
from stats import queries, services
from stats.models import NOTE_MAX_LENGTH, SessionHistory
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


# --- History and check-outs ---------------------------------------------------------

OutcomeName = Literal["done", "partly", "not_yet"]


class HistoryOut(Out):
    """One completed phase of yours, with its goal and check-out (work phases)."""

    id: Id
    room_id: Id
    room_name: str
    kind: Literal["work", "short_break", "long_break"]
    seq: int = Field(description="The room timer's phase this row records.")
    started_at: datetime
    ended_at: datetime
    seconds_credited: int
    goal: str = Field(description="What you were working on when the phase ended.")
    outcome: OutcomeName | None = Field(description="Your check-out; null until you answer.")
    note: str
    checked_out_at: datetime | None


class HistoryQuery(Schema):
    limit: int = Field(default=20, ge=1, le=100)
    kind: Literal["work", "short_break", "long_break"] | None = None


class OutcomeIn(In):
    """Did you do it? Answering again changes the answer."""

    outcome: OutcomeName
    note: Text = Field(default="", max_length=NOTE_MAX_LENGTH)


class CheckOutIn(OutcomeIn):
    """The work phase by its room and the timer's `seq` (a `timer.changed` that moved on
    to a break names the next `seq`: the work phase was the one before)."""

    room_id: BodyId
    seq: int = Field(ge=1, le=MAX_ID)


def history_out(row: SessionHistory) -> dict:
    return {
        "id": row.pk,
        "room_id": row.room_id,
        "room_name": row.room.name,
        "kind": row.kind,
        "seq": row.seq,
        "started_at": row.started_at,
        "ended_at": row.ended_at,
        "seconds_credited": row.seconds_credited,
        "goal": row.goal,
        "outcome": row.outcome or None,
        "note": row.outcome_note,
        "checked_out_at": row.checked_out_at,
    }


@router.get("/history", response={200: list[HistoryOut], **ERRORS})
def history(request: HttpRequest, query: Query[HistoryQuery]):
    """Your latest completed phases, newest first (your own only)."""
    rows = queries.user_history(user=request.user).select_related("room")
    if query.kind:
        rows = rows.filter(kind=query.kind)
    return [history_out(row) for row in rows.order_by("-ended_at", "-pk")[: query.limit]]


@router.post("/history/{session_id}/outcome", response={200: HistoryOut, **ERRORS})
def history_outcome(request: HttpRequest, session_id: PathId, payload: OutcomeIn):
    """Checks out one of your work phases: 403 for someone else's, 422 for a break."""
    row = SessionHistory.objects.select_related("room").filter(pk=session_id).first()
    if row is None:
        raise Http404("No such session.")
    updated = services.session_check_out(
        session=row, by=request.user, outcome=payload.outcome, note=payload.note
    )
    updated.room = row.room
    return history_out(updated)


@router.post("/checkout", response={200: HistoryOut, **ERRORS})
def checkout(request: HttpRequest, payload: CheckOutIn):
    """Checks out your work phase `seq` of the room: 409 while it has not ended (or if
    you were not in the room for it)."""
    updated = services.phase_check_out(
        by=request.user,
        room_id=payload.room_id,
        seq=payload.seq,
        outcome=payload.outcome,
        note=payload.note,
    )
    return history_out(SessionHistory.objects.select_related("room").get(pk=updated.pk))
