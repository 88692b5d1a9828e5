"""Weekly repetition as dates and times, with no database: which local dates a series
falls on, and when each occurrence starts in UTC in the organiser's zone (so 09:00 in
Berlin stays 09:00 across the daylight-saving changes). scheduling.services places the
rows; this module only computes them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError

from scheduling.models import SessionSeries

MAX_OCCURRENCES = 200


def zone_named(*, name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValidationError({"timezone": f"“{name}” is not a time zone."}) from error


def local_start(*, day: date, at: time, zone: ZoneInfo) -> datetime:
    """`at` on `day` in `zone`, in UTC. A wall time the clocks skip (02:30 on the spring
    change) is read with the offset before the change, so it lands an hour later."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def weekdays_string(weekdays: Iterable[int] | str) -> str:
    days = {int(day) for day in weekdays}
    if not days <= set(range(1, 8)):
        raise ValidationError({"weekdays": "Weekdays are 1 (Monday) to 7 (Sunday)."})
    return "".join(str(day) for day in sorted(days))


def dates_on(first: date, weekdays: str, *, after: date | None, until: date) -> Iterable[date]:
    day = max(first, after + timedelta(days=1)) if after else first
    while day <= until:
        if str(day.isoweekday()) in weekdays:
            yield day
        day += timedelta(days=1)


def series_dates(
    *, first: date, weekdays: str, until: date | None, count: int | None, last: date
) -> list[date]:
    """Every date of a new series: from `first`, on `weekdays`, until a date or N times,
    and never past `last` (a year ahead)."""
    if until is None and count is None:
        raise ValidationError(
            {"until": "Say when the repetition ends: a last date or a number of sessions."}
        )
    if until is not None:
        if until < first:
            raise ValidationError({"until": "The repetition can't end before it starts."})
        if until > last:
            raise ValidationError({"until": "Repeat for at most a year."})
    if count is not None and not 1 <= count <= MAX_OCCURRENCES:
        raise ValidationError({"count": f"Repeat between 1 and {MAX_OCCURRENCES} times."})
    dates = list(dates_on(first, weekdays, after=None, until=min(until or last, last)))
    if count is not None:
        if len(dates) < count and until is None:
            raise ValidationError({"count": "That many sessions would run past a year ahead."})
        dates = dates[:count]
    return dates


def occurrences(
    series: SessionSeries, dates: Iterable[date], *, minutes: int
) -> list[tuple[datetime, datetime]]:
    zone = ZoneInfo(series.timezone)
    spans = []
    for day in dates:
        start = local_start(day=day, at=series.local_start, zone=zone)
        spans.append((start, start + timedelta(minutes=minutes)))
    return spans
