"""Schedule: list, create, change and cancel sessions; book and give back a seat; the
private calendar feed's URL. The same services, queries and access rules as the pages:
a session one may not see is a 404, one one sees but may not change a 403, a state
that forbids the action (full, started, cancelled) a 409.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import AfterValidator, Field

from api.schemas import ERRORS, BodyId, Id, In, Out, PathId, PersonOut, Text
from rooms.models import Room
from scheduling import bookings, preferences, queries, services
from scheduling.access import owned_session, visible_session
from scheduling.models import MAX_CAPACITY, ScheduledSession
from scheduling.repetition import MAX_OCCURRENCES

router = Router(tags=["Schedule"])

# A list covers at most this long a span (a month and a bit).
MAX_SPAN = timedelta(days=42)


def _aware(value: datetime) -> datetime:
    """In UTC: an offset PostgreSQL can't store (+20:34) is read here, not there."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("Give the time with its offset or Z, e.g. 2026-01-06T09:00:00Z.")
    try:
        return value.astimezone(UTC)
    except OverflowError as error:
        raise ValueError("That time is out of range.") from error


AwareDatetime = Annotated[datetime, AfterValidator(_aware)]
Weekday = Annotated[int, Field(ge=1, le=7)]


class SessionOut(Out):
    id: Id
    room_id: Id
    room_name: str
    organiser: PersonOut
    title: str
    starts_at: datetime
    ends_at: datetime
    work_minutes: int | None = Field(description="25, 50 or 75; null: the room's own phases.")
    capacity: int
    booked_count: int
    is_booked: bool = Field(description="Whether you hold a seat.")
    timezone: str = Field(description="The organiser's time zone.")
    series_id: Id | None
    cancelled: bool
    started: bool
    url: str = Field(description="The session's page.")
    ics_url: str = Field(description="The session as an .ics file.")


class SessionDetailOut(SessionOut):
    booked: list[PersonOut] = Field(description="Who holds a seat, first booked first.")


class SessionIn(In):
    room_id: BodyId
    starts_at: AwareDatetime = Field(description="On the quarter hour in `timezone`.")
    work_minutes: Literal[25, 50, 75] | None = Field(
        default=None, description="Omitted or null: the room's own phases."
    )
    capacity: int | None = Field(
        default=None, ge=1, le=MAX_CAPACITY, description="Omitted: as many as the room holds."
    )
    title: Text = Field(default="", max_length=80)
    timezone: Text | None = Field(
        default=None, max_length=64, description="The organiser's zone (default: yours)."
    )
    repeat: bool = Field(default=False, description="Weekly, on `weekdays`.")
    weekdays: list[Weekday] = Field(
        default_factory=list, max_length=7, description="ISO weekdays, Monday 1 to Sunday 7."
    )
    until: date | None = Field(default=None, description="The last date of a repetition.")
    count: int | None = Field(
        default=None, ge=1, le=MAX_OCCURRENCES, description="Or how many sessions."
    )


class SessionUpdateIn(In):
    """Any field left out keeps its value."""

    starts_at: AwareDatetime | None = None
    work_minutes: Literal[25, 50, 75] | None = None
    room_phases: bool = Field(default=False, description="Switch to the room's own phases.")
    capacity: int | None = Field(default=None, ge=1, le=MAX_CAPACITY)
    title: Text | None = Field(default=None, max_length=80)


class CancelIn(In):
    whole_series: bool = Field(default=False, description="This and every later occurrence.")


class SessionListQuery(Schema):
    start: AwareDatetime | None = Field(default=None, description="Default: now.")
    end: AwareDatetime | None = Field(default=None, description="Default: a week after start.")
    mine: bool = Field(default=False, description="Only the sessions you organise.")
    booked: bool = Field(default=False, description="Only those you hold a seat in.")
    room_id: int | None = Field(default=None, ge=1, le=2**31 - 1)


class BookingOut(Out):
    session_id: Id
    booked: bool
    cancelled_late: bool = Field(description="Given back less than 10 minutes before.")
    booked_count: int


class FeedOut(Out):
    url: str = Field(description="Your private iCalendar feed; keep it secret.")


def session_out(request: HttpRequest, session: ScheduledSession) -> dict:
    return {
        "id": session.pk,
        "room_id": session.room_id,
        "room_name": session.room.name,
        "organiser": {"id": session.organiser_id, "username": session.organiser.username},
        "title": session.title,
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "work_minutes": session.work_minutes,
        "capacity": session.capacity,
        "booked_count": session.booked_count,
        "is_booked": bool(session.is_booked),
        "timezone": session.timezone,
        "series_id": session.series_id,
        "cancelled": session.is_cancelled,
        "started": session.started_at is not None,
        "url": request.build_absolute_uri(services.session_url(session=session)),
        "ics_url": request.build_absolute_uri(reverse("scheduling:ics", args=[session.pk])),
    }


def _detail(request: HttpRequest, session_id: int) -> dict:
    session = visible_session(request, session_id)
    people = queries.booked_people(session=session)
    return {
        **session_out(request, session),
        "booked": [{"id": b.user_id, "username": b.user.username} for b in people],
    }


@router.get("/sessions", response={200: list[SessionOut], **ERRORS})
def session_list(request: HttpRequest, filters: Query[SessionListQuery]):
    """The live sessions you may see starting in [start, end) (at most six weeks),
    first first; at most 300."""
    start = filters.start or timezone.now()
    try:
        end = filters.end or start + timedelta(days=7)
    except OverflowError as error:
        raise ValidationError("That start is past what a calendar holds.") from error
    if end <= start or end - start > MAX_SPAN:
        raise ValidationError("Ask for a span of at most six weeks, with end after start.")
    week = queries.schedule_week(
        user=request.user,
        start=start,
        end=end,
        mine=filters.mine,
        booked=filters.booked,
        room_id=filters.room_id,
    )
    return [session_out(request, session) for session in week.sessions]


@router.post("/sessions", response={201: SessionDetailOut, **ERRORS})
def session_create(request: HttpRequest, payload: SessionIn):
    """Schedules a session in a room you own, or a weekly series (`repeat`, `weekdays`,
    and `until` or `count`): the answer is its first session."""
    room = Room.objects.visible_to(request.user).filter(pk=payload.room_id).first()
    if room is None:
        raise Http404("No such room.")
    session = services.session_create(
        room=room,
        by=request.user,
        starts_at=payload.starts_at,
        work_minutes=payload.work_minutes,
        capacity=payload.capacity,
        title=payload.title,
        timezone_name=payload.timezone,
        repeat=payload.repeat,
        weekdays=payload.weekdays,
        until=payload.until,
        count=payload.count,
    )
    return Status(201, _detail(request, session.pk))


@router.get("/sessions/{session_id}", response={200: SessionDetailOut, **ERRORS})
def session_read(request: HttpRequest, session_id: PathId):
    """With who booked (a private room's sessions are seen by its members only)."""
    return _detail(request, session_id)


@router.patch("/sessions/{session_id}", response={200: SessionDetailOut, **ERRORS})
def session_update(request: HttpRequest, session_id: PathId, payload: SessionUpdateIn):
    """Changes a session of your room before it starts; everyone booked hears of a move."""
    session = owned_session(request, session_id)
    services.session_update(
        session=session,
        by=request.user,
        starts_at=payload.starts_at,
        work_minutes=payload.work_minutes,
        keep_length=not payload.room_phases,
        capacity=payload.capacity,
        title=payload.title,
    )
    return _detail(request, session_id)


@router.post("/sessions/{session_id}/cancel", response={200: SessionDetailOut, **ERRORS})
def session_cancel(request: HttpRequest, session_id: PathId, payload: CancelIn | None = None):
    """Cancels a session of your room (or of a series, this and the later ones);
    everyone booked is told."""
    session = visible_session(request, session_id)
    services.session_cancel(
        session=session, by=request.user, whole_series=bool(payload and payload.whole_series)
    )
    return _detail(request, session_id)


def _booking_out(request: HttpRequest, session_id: int, booking) -> dict:
    session = visible_session(request, session_id)
    return {
        "session_id": session_id,
        "booked": booking.cancelled_at is None,
        "cancelled_late": booking.cancelled_late,
        "booked_count": session.booked_count,
    }


@router.post("/sessions/{session_id}/booking", response={200: BookingOut, **ERRORS})
def booking_create(request: HttpRequest, session_id: PathId):
    """Takes a seat (booking twice is the same seat); 409 when full or started."""
    session = visible_session(request, session_id)
    booking = bookings.booking_create(session=session, user=request.user)
    return _booking_out(request, session_id, booking)


@router.delete("/sessions/{session_id}/booking", response={200: BookingOut, **ERRORS})
def booking_cancel(request: HttpRequest, session_id: PathId):
    """Gives your seat back; less than 10 minutes before the start it counts as late."""
    session = visible_session(request, session_id)
    booking = bookings.booking_cancel(session=session, user=request.user)
    return _booking_out(request, session_id, booking)


def _feed(request: HttpRequest, token: str) -> dict:
    return {"url": request.build_absolute_uri(reverse("scheduling:feed", kwargs={"token": token}))}


@router.get("/feed", response={200: FeedOut, **ERRORS})
def feed_read(request: HttpRequest):
    """Your private calendar feed of the sessions you booked or organise."""
    return _feed(request, preferences.preferences_for(user=request.user).feed_token)


@router.post("/feed", response={200: FeedOut, **ERRORS})
def feed_regenerate(request: HttpRequest):
    """A new feed URL; the old one stops working at once."""
    return _feed(request, preferences.feed_token_regenerate(user=request.user).feed_token)
