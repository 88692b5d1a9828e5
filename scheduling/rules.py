"""The schedule's input rules, each stated once: where a start may fall, how long a
session lasts, how many seats it has, what a title may hold. Each raises a
`ValidationError` naming the form field it belongs to (scheduling.services calls them).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils import timezone

from rooms.models import Room
from scheduling.models import GRID_MINUTES, LENGTHS, MAX_CAPACITY

# How far ahead a session may be scheduled.
MAX_AHEAD = timedelta(days=365)


def capacity_limit(*, room: Room) -> int:
    """The most seats a session of `room` may have (the solo room: one)."""
    if room.is_solo:
        return 1
    return min(room.max_participants or MAX_CAPACITY, MAX_CAPACITY)


def check_start(starts_at: datetime, zone: ZoneInfo, now: datetime) -> None:
    if timezone.is_naive(starts_at):
        raise ValueError("starts_at must be timezone-aware")
    try:
        if starts_at <= now:
            raise ValidationError({"starts_at": "A session can't start in the past."})
        if starts_at > now + MAX_AHEAD:
            raise ValidationError({"starts_at": "Schedule at most a year ahead."})
        local = starts_at.astimezone(zone)
    except OverflowError as error:  # past what a datetime holds once in UTC (year 9999)
        raise ValidationError({"starts_at": "Schedule at most a year ahead."}) from error
    if local.minute % GRID_MINUTES or local.second or local.microsecond:
        raise ValidationError(
            {"starts_at": "Start on the quarter hour (:00, :15, :30 or :45)."}, code="grid"
        )


def work_length(room: Room, work_minutes: int | None) -> int:
    if work_minutes is None:
        return room.work_minutes
    if work_minutes not in LENGTHS:
        raise ValidationError({"work_minutes": "A session lasts 25, 50 or 75 minutes."})
    return work_minutes


def seats_for(room: Room, capacity: int | None) -> int:
    limit = capacity_limit(room=room)
    if capacity is None:
        return limit
    if not 1 <= capacity <= limit:
        raise ValidationError(
            {"capacity": f"A session of this room has between 1 and {limit} seats."}
        )
    return capacity


def clean_title(title: str) -> str:
    title = title.strip()
    if len(title) > 80:
        raise ValidationError({"title": "Keep the title to 80 characters."})
    if "\x00" in title:
        raise ValidationError({"title": "The title can't contain that character."})
    return title
