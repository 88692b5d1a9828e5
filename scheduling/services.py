"""Schedule actions on sessions: schedule, change and cancel them, and `series_extend`,
which a scheduler pass calls to keep weekly series expanded ahead. Seats are in
`scheduling.bookings`, a person's settings in `scheduling.preferences`.

Each authorises its caller, validates with a `ValidationError` that names the field a
form shows it on, and runs in one transaction. Two locks decide what must be decided
once: the room's row when sessions are placed in it (no two overlap), and the
session's row when a seat is taken (`lock_session`: the last seat goes to one person).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.services import require_active
from focusmate.events import SeatsChanged, publish_on_commit
from focusmate.lib.ratelimit import hit
from messaging.services import notify_many
from moderation.services import is_moderator
from rooms.models import Room
from scheduling import rules
from scheduling.models import (
    Booking,
    ScheduledSession,
    SessionSeries,
)
from scheduling.repetition import (
    dates_on,
    occurrences,
    series_dates,
    weekdays_string,
    zone_named,
)

logger = logging.getLogger(__name__)

PARTNER_SESSION = "This is a partner session: change it from your partner sessions."
# How far ahead a weekly series has rows (how far ahead a session may be: rules.MAX_AHEAD).
EXPAND_AHEAD = timedelta(weeks=8)


# --- Small rules, each stated once --------------------------------------------------


def session_url(*, session: ScheduledSession) -> str:
    return reverse("scheduling:session", kwargs={"session_id": session.pk})


def _when(session: ScheduledSession, user: User) -> str:
    local = session.starts_at.astimezone(user.tzinfo)
    return f"{local:%a} {local.day} {local:%b %H:%M}"


def _name(session: ScheduledSession) -> str:
    return session.title or session.room.name


def _conflict(field: str, message: str) -> ValidationError:
    """A refusal about the schedule as it stands (an overlap), not the input's form: the
    form shows it on `field`, the API answers 409."""
    return ValidationError({field: ValidationError(message, code="conflict")})


def _require_owner(room: Room, by: User) -> None:
    require_active(user=by)
    if room.owner_id != by.pk:
        raise PermissionDenied("Only the room's owner can schedule its sessions.")


def require_may_see(*, room: Room, user: User) -> None:
    if not Room.objects.visible_to(user).filter(pk=room.pk).exists():
        raise PermissionDenied("You can't see this room.")


def _clashes(
    room: Room, spans: list[tuple[datetime, datetime]], *, exclude: int | None = None
) -> set[int]:
    """Which of `spans` overlap a live session of the room (one query). Call it with the
    room's row locked, so no other placement runs between the check and the insert."""
    if not spans:
        return set()
    taken = (
        ScheduledSession.objects.live()
        .filter(
            room=room,
            starts_at__lt=max(end for _, end in spans),
            ends_at__gt=min(start for start, _ in spans),
        )
        .exclude(pk=exclude)
        .values_list("starts_at", "ends_at")
    )
    taken = list(taken)
    return {
        index
        for index, (start, end) in enumerate(spans)
        if any(start < other_end and other_start < end for other_start, other_end in taken)
    }


def _lock_room(room: Room) -> Room:
    room = Room.objects.select_for_update().get(pk=room.pk)
    if not room.is_active:
        raise ValidationError("This room is closed.", code="conflict")
    return room


# --- Weekly repetition: inserting the rows (the dates: scheduling/repetition.py) ------


def _insert_occurrences(
    series: SessionSeries,
    spans: list[tuple[datetime, datetime]],
    *,
    template: ScheduledSession,
) -> list[ScheduledSession]:
    rows = [
        ScheduledSession(
            room_id=series.room_id,
            organiser_id=series.organiser_id,
            series=series,
            starts_at=start,
            ends_at=end,
            work_minutes=template.work_minutes,
            capacity=template.capacity,
            timezone=series.timezone,
            title=template.title,
        )
        for start, end in spans
    ]
    # A row that exists already (a pass that ran twice) is kept: one per series start.
    ScheduledSession.objects.bulk_create(rows, ignore_conflicts=True)
    return rows


# --- Sessions --------------------------------------------------------------------------


@transaction.atomic
def session_create(
    *,
    room: Room,
    by: User,
    starts_at: datetime,
    work_minutes: int | None = None,
    capacity: int | None = None,
    title: str = "",
    timezone_name: str | None = None,
    weekdays: Iterable[int] | str = (),
    until: date | None = None,
    count: int | None = None,
    repeat: bool = False,
    seats_elsewhere: bool = False,
) -> ScheduledSession:
    """Schedules a session in `room` (owner only), or with `repeat` a weekly series on
    `weekdays` (the first date's own weekday is always one), until a date or `count`
    times. Returns the first session; a series has rows EXPAND_AHEAD ahead, and
    `series_extend` adds the rest as time goes on. `timezone_name` is the organiser's
    zone (default: theirs): the grid, the weekdays and the repeated wall time are read in it.
    """
    _require_owner(room, by)
    now = timezone.now()
    zone = zone_named(name=timezone_name or by.timezone)
    rules.check_start(starts_at, zone, now)
    starts_at = starts_at.astimezone(UTC)
    minutes = rules.work_length(room, work_minutes)
    title = rules.clean_title(title)
    hit(f"session-create:{by.pk}", limit=30, per_seconds=3600)
    room = _lock_room(room)
    seats = rules.seats_for(room, capacity)
    template = ScheduledSession(
        room=room,
        organiser=by,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        work_minutes=work_minutes,
        capacity=seats,
        timezone=zone.key,
        title=title,
        seats_elsewhere=seats_elsewhere,
    )
    if not repeat:
        if _clashes(room, [(template.starts_at, template.ends_at)]):
            raise _conflict("starts_at", "Another session of this room overlaps that time.")
        template.save()
        logger.info("session scheduled session=%s room=%s", template.pk, room.pk)
        return template

    local = starts_at.astimezone(zone)
    days = weekdays_string([*weekdays, local.isoweekday()])
    dates = series_dates(
        first=local.date(),
        weekdays=days,
        until=until,
        count=count,
        last=(now + rules.MAX_AHEAD).astimezone(zone).date(),
    )
    series = SessionSeries(
        room=room,
        organiser=by,
        timezone=zone.key,
        local_start=local.time().replace(tzinfo=None),
        weekdays=days,
        # A count becomes its last date, so extending asks only "up to when".
        until=dates[-1],
        count=count,
    )
    # Rows up to EXPAND_AHEAD past the first session (which may itself be months away).
    horizon = min(local.date() + EXPAND_AHEAD, dates[-1])
    ahead = [day for day in dates if day <= horizon]
    spans = occurrences(series, ahead, minutes=minutes)
    clashing = _clashes(room, spans)
    if clashing:
        first_clash = spans[min(clashing)][0].astimezone(zone)
        raise _conflict(
            "starts_at",
            "Another session of this room overlaps the one on "
            f"{first_clash:%a} {first_clash.day} {first_clash:%b %H:%M}.",
        )
    series.expanded_until = horizon
    series.save()
    rows = _insert_occurrences(series, spans, template=template)
    logger.info("series scheduled series=%s room=%s rows=%s", series.pk, room.pk, len(rows))
    return ScheduledSession.objects.get(series=series, starts_at=rows[0].starts_at)


def series_extend(*, now: datetime) -> int:
    """Adds the rows of every weekly series up to EXPAND_AHEAD past `now`; returns how
    many. Safe from many passes at once (the room's lock, one row per series start). An
    occurrence overlapping a session placed since is skipped and logged."""
    latest_horizon = (now + EXPAND_AHEAD + timedelta(days=1)).date()
    due = (
        SessionSeries.objects.filter(expanded_until__lt=F("until"))
        .filter(expanded_until__lt=latest_horizon)
        .values_list("pk", flat=True)
    )
    made = 0
    for series_id in list(due):
        made += _series_extend_one(series_id=series_id, now=now)
    return made


@transaction.atomic
def _series_extend_one(*, series_id: int, now: datetime) -> int:
    series = SessionSeries.objects.select_related("room").filter(pk=series_id).first()
    if series is None:
        return 0
    room = Room.objects.select_for_update().get(pk=series.room_id)
    series = SessionSeries.objects.select_for_update().get(pk=series_id)
    if not room.is_active:
        SessionSeries.objects.filter(pk=series.pk).update(until=series.expanded_until)
        return 0
    zone = ZoneInfo(series.timezone)
    horizon = min((now + EXPAND_AHEAD).astimezone(zone).date(), series.until)
    if series.expanded_until >= horizon:
        return 0
    template = series.sessions.order_by("-starts_at").first()
    if template is None:
        return 0
    minutes = int((template.ends_at - template.starts_at).total_seconds() // 60)
    dates = list(dates_on(date.min, series.weekdays, after=series.expanded_until, until=horizon))
    spans = [span for span in occurrences(series, dates, minutes=minutes) if span[0] > now]
    clashing = _clashes(room, spans)
    for index in sorted(clashing):
        logger.warning(
            "series occurrence skipped: overlaps a session series=%s at=%s",
            series.pk,
            spans[index][0].isoformat(),
        )
    spans = [span for index, span in enumerate(spans) if index not in clashing]
    _insert_occurrences(series, spans, template=template)
    SessionSeries.objects.filter(pk=series.pk).update(expanded_until=horizon)
    return len(spans)


def lock_session(*, session: ScheduledSession) -> ScheduledSession:
    return (
        ScheduledSession.objects.select_for_update(of=("self",))
        .select_related("room")
        .get(pk=session.pk)
    )


def _require_changeable(session: ScheduledSession, now: datetime) -> None:
    if session.seats_elsewhere:
        raise ValidationError(PARTNER_SESSION, code="conflict")
    if session.is_cancelled:
        raise ValidationError("This session was cancelled.", code="conflict")
    if session.started_at is not None or session.starts_at <= now:
        raise ValidationError("This session has started; it can't be changed.", code="conflict")


def _notify_booked(session: ScheduledSession, text: str, *, exclude: int | None = None) -> int:
    """Tells everyone holding a seat; `text` is formatted with `when` in each one's zone."""
    bookings = (
        Booking.objects.held()
        .filter(session=session)
        .exclude(user_id=exclude)
        .select_related("user")
    )
    url = session_url(session=session)
    told = 0
    for booking in bookings:
        notify_many(
            user=booking.user, lines=[(text.format(when=_when(session, booking.user)), url)]
        )
        told += 1
    return told


@transaction.atomic
def session_update(
    *,
    session: ScheduledSession,
    by: User,
    starts_at: datetime | None = None,
    work_minutes: int | None = None,
    keep_length: bool = True,
    capacity: int | None = None,
    title: str | None = None,
) -> ScheduledSession:
    """Changes one session (owner only) before it starts. Left out (None), a value stays;
    `keep_length=False` with `work_minutes=None` switches to the room's own phases. A new
    time is checked like a new session's and everyone booked is told."""
    _require_owner(session.room, by)
    room = _lock_room(session.room)  # the room before the session, as everywhere
    session = lock_session(session=session)
    now = timezone.now()
    _require_changeable(session, now)
    zone = zone_named(name=session.timezone)
    changes_length = not keep_length or work_minutes is not None
    minutes = (
        rules.work_length(room, work_minutes)
        if changes_length
        else int((session.ends_at - session.starts_at).total_seconds() // 60)
    )
    new_start = session.starts_at if starts_at is None else starts_at
    if starts_at is not None:
        rules.check_start(starts_at, zone, now)
        new_start = starts_at.astimezone(UTC)
    new_end = new_start + timedelta(minutes=minutes)
    if capacity is not None:
        seats = rules.seats_for(room, capacity)
        held = Booking.objects.held().filter(session=session).count()
        if seats < held:
            raise ValidationError(
                {"capacity": f"{held} people are booked: keep at least {held} seats."}
            )
        session.capacity = seats
    if title is not None:
        session.title = rules.clean_title(title)
    moved = (new_start, new_end) != (session.starts_at, session.ends_at)
    if moved:
        if _clashes(room, [(new_start, new_end)], exclude=session.pk):
            raise _conflict("starts_at", "Another session of this room overlaps that time.")
        session.starts_at, session.ends_at = new_start, new_end
        session.sequence += 1
    if changes_length:
        session.work_minutes = work_minutes
    try:
        with transaction.atomic():
            session.save()
    except IntegrityError as error:  # another occurrence of its series starts then
        raise _conflict("starts_at", "Another session of this series starts then.") from error
    if moved:
        _notify_booked(session, f"“{_name(session)}” moved to {{when}}.", exclude=by.pk)
    if capacity is not None:
        publish_on_commit(SeatsChanged(session_id=session.pk, room_id=session.room_id))
    return session


@transaction.atomic
def session_cancel(
    *, session: ScheduledSession, by: User, whole_series: bool = False
) -> list[ScheduledSession]:
    """Cancels the session (its room's owner, or a moderator) and tells everyone booked.
    With `whole_series`, this and every later occurrence of its series, and the series
    ends. Returns the sessions cancelled."""
    require_active(user=by)
    session = lock_session(session=session)
    if session.room.owner_id != by.pk and not is_moderator(user=by):
        raise PermissionDenied("Only the room's owner or a moderator can cancel a session.")
    if session.seats_elsewhere and not is_moderator(user=by):
        raise ValidationError(PARTNER_SESSION, code="conflict")
    now = timezone.now()
    if session.is_cancelled:
        raise ValidationError("This session was already cancelled.", code="conflict")
    if session.ends_at <= now:
        raise ValidationError("This session is over.", code="conflict")
    targets = [session]
    if whole_series and session.series_id:
        later = (
            ScheduledSession.objects.live()
            .filter(series_id=session.series_id, starts_at__gt=session.starts_at)
            .select_for_update(of=("self",))
            .select_related("room")
        )
        targets += list(later)
        local_day = session.starts_at.astimezone(ZoneInfo(session.timezone)).date()
        SessionSeries.objects.filter(pk=session.series_id).update(
            until=local_day, expanded_until=local_day
        )
    return _cancel(targets, by=by, now=now, why="")


def _cancel(
    sessions: list[ScheduledSession], *, by: User | None, now: datetime, why: str
) -> list[ScheduledSession]:
    ids = [s.pk for s in sessions]
    ScheduledSession.objects.filter(pk__in=ids).update(
        cancelled_at=now, cancelled_by=by, sequence=F("sequence") + 1
    )
    for session in sessions:
        session.cancelled_at, session.cancelled_by = now, by
        session.sequence += 1
        # Open pages showing it say "Cancelled" in place of Book (scheduling.subscriptions).
        publish_on_commit(SeatsChanged(session_id=session.pk, room_id=session.room_id))
        _notify_booked(
            session,
            f"“{_name(session)}” on {{when}} was cancelled{why}.",
            exclude=by.pk if by else None,
        )
    logger.info("sessions cancelled ids=%s by=%s", ids, by.pk if by else None)
    return sessions


@transaction.atomic
def room_sessions_cancel(*, room_id: int) -> int:
    """A room closed: its sessions yet to start are cancelled, everyone booked is told,
    and its series end. Returns how many sessions. (The RoomClosed subscriber.)"""
    now = timezone.now()
    room = Room.objects.select_for_update().filter(pk=room_id).first()
    if room is None or room.is_active:
        return 0
    pending = list(
        ScheduledSession.objects.live()
        .filter(room=room, starts_at__gt=now)
        .select_for_update(of=("self",))
        .select_related("room")
    )
    SessionSeries.objects.filter(room=room).update(until=F("expanded_until"))
    _cancel(pending, by=None, now=now, why=": the room closed")
    return len(pending)
