"""Streaks: runs of consecutive local days with at least one completed work session.

A session belongs to the local day (in the user's profile timezone) of its `ended_at`,
the moment it was completed. The database turns sessions into distinct days, so the
Python loop below walks days, never sessions: a ten-year daily habit is 3,650 dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise

from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.models import User
from stats.models import SessionHistory


@dataclass(frozen=True)
class Streaks:
    current: int
    longest: int
    last_day: date | None


def user_work_days(*, user: User) -> list[date]:
    """The distinct local days with a completed work session, oldest first (one query)."""
    return list(
        SessionHistory.objects.filter(user=user, kind=SessionHistory.Kind.WORK)
        .annotate(day=TruncDate("ended_at", tzinfo=user.tzinfo))
        .order_by("day")
        .values_list("day", flat=True)
        .distinct()
    )


def streaks_from_days(days: list[date], *, today: date) -> Streaks:
    """Current and longest runs over sorted distinct days.

    The current streak is the run that ends today or yesterday: a streak stays alive
    until a whole local day has passed without a session.
    """
    if not days:
        return Streaks(current=0, longest=0, last_day=None)
    longest = run = 1
    for previous, day in pairwise(days):
        run = run + 1 if day - previous == timedelta(days=1) else 1
        longest = max(longest, run)
    last_day = days[-1]
    current = run if last_day >= today - timedelta(days=1) else 0
    return Streaks(current=current, longest=longest, last_day=last_day)


def user_streaks(*, user: User) -> Streaks:
    """The user's current and longest streaks, in their own timezone (one query)."""
    today = timezone.localdate(timezone=user.tzinfo)
    return streaks_from_days(user_work_days(user=user), today=today)
