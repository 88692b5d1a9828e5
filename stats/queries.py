"""Reads for the stats pages, each a fixed number of aggregate queries.

Every figure is computed by the database (Sum, Count, TruncDate/ExtractHour in the
user's timezone). Python only fills calendars: it loops over days or hours, never
over sessions, so a page costs the same for ten sessions or a hundred thousand.

A session belongs to the local day of its `ended_at` (when it was completed), like
streaks; "hour of day" uses `started_at`, the hour the person sat down to work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, ExtractHour, TruncDate
from django.utils import timezone

from accounts.models import User
from stats.models import Outcome, SessionHistory
from stats.streaks import Streaks, user_streaks

WORK = SessionHistory.Kind.WORK


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The instant a local day starts (aware), so ranges filter on the indexed column."""
    return datetime.combine(day, time(), tzinfo=tz)


@dataclass(frozen=True)
class Period:
    """An inclusive range of local days."""

    start: date
    end: date

    @classmethod
    def last(cls, days: int, *, today: date) -> Period:
        return cls(start=today - timedelta(days=days - 1), end=today)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        return Period(start=self.start - timedelta(days=self.days), end=self.start - timedelta(1))

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """[first local midnight, the midnight after the last day) as aware datetimes."""
        return local_midnight(self.start, tz), local_midnight(self.end + timedelta(1), tz)

    def each_day(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range(self.days)]


def user_history(*, user: User) -> QuerySet[SessionHistory]:
    return SessionHistory.objects.filter(user=user)


def history_in(*, user: User, period: Period | None) -> QuerySet[SessionHistory]:
    """The user's sessions completed within the period's local days (all when None)."""
    rows = user_history(user=user)
    if period is None:
        return rows
    start, end = period.bounds(user.tzinfo)
    return rows.filter(ended_at__gte=start, ended_at__lt=end)


@dataclass(frozen=True)
class Totals:
    focus_seconds: int
    work_sessions: int
    breaks: int
    # Check-outs: work phases answered, and how many of them "done" or "partly".
    checked_out: int = 0
    goals_done: int = 0
    goals_partly: int = 0

    @property
    def average_work_seconds(self) -> int:
        return self.focus_seconds // self.work_sessions if self.work_sessions else 0

    @property
    def completion_percent(self) -> int | None:
        """Goals done out of the work phases checked out; None when none were."""
        return round(self.goals_done * 100 / self.checked_out) if self.checked_out else None


@dataclass(frozen=True)
class Change:
    """How a figure moved against the previous period; percent is None from zero."""

    difference: int
    percent: int | None

    @classmethod
    def between(cls, now: int, before: int) -> Change:
        percent = round((now - before) * 100 / before) if before else None
        return cls(difference=now - before, percent=percent)


@dataclass(frozen=True)
class DayTotal:
    day: date
    focus_seconds: int
    work_sessions: int


@dataclass(frozen=True)
class PeriodSummary:
    period: Period
    totals: Totals
    previous: Totals

    @property
    def focus_change(self) -> Change:
        return Change.between(self.totals.focus_seconds, self.previous.focus_seconds)

    @property
    def sessions_change(self) -> Change:
        return Change.between(self.totals.work_sessions, self.previous.work_sessions)

    @property
    def breaks_change(self) -> Change:
        return Change.between(self.totals.breaks, self.previous.breaks)

    @property
    def average_change(self) -> Change:
        return Change.between(self.totals.average_work_seconds, self.previous.average_work_seconds)


def period_summary(*, user: User, period: Period) -> PeriodSummary:
    """Totals for the period and the one before it, in one conditional aggregate."""
    previous = period.previous()
    start, _ = period.bounds(user.tzinfo)
    current_q, previous_q = Q(ended_at__gte=start), Q(ended_at__lt=start)
    work_q = Q(kind=WORK)
    both = Period(start=previous.start, end=period.end)
    figures = history_in(user=user, period=both).aggregate(
        focus=Coalesce(Sum("seconds_credited", filter=work_q & current_q), 0),
        sessions=Count("pk", filter=work_q & current_q),
        breaks=Count("pk", filter=~work_q & current_q),
        previous_focus=Coalesce(Sum("seconds_credited", filter=work_q & previous_q), 0),
        previous_sessions=Count("pk", filter=work_q & previous_q),
        previous_breaks=Count("pk", filter=~work_q & previous_q),
        checked_out=Count("pk", filter=work_q & current_q & ~Q(outcome="")),
        done=Count("pk", filter=current_q & Q(outcome=Outcome.DONE)),
        partly=Count("pk", filter=current_q & Q(outcome=Outcome.PARTLY)),
        previous_checked_out=Count("pk", filter=work_q & previous_q & ~Q(outcome="")),
        previous_done=Count("pk", filter=previous_q & Q(outcome=Outcome.DONE)),
        previous_partly=Count("pk", filter=previous_q & Q(outcome=Outcome.PARTLY)),
    )
    return PeriodSummary(
        period=period,
        totals=Totals(
            figures["focus"],
            figures["sessions"],
            figures["breaks"],
            figures["checked_out"],
            figures["done"],
            figures["partly"],
        ),
        previous=Totals(
            figures["previous_focus"],
            figures["previous_sessions"],
            figures["previous_breaks"],
            figures["previous_checked_out"],
            figures["previous_done"],
            figures["previous_partly"],
        ),
    )


RECENT_GOALS = 10


def recent_goals(
    *, user: User, period: Period | None, limit: int = RECENT_GOALS
) -> list[SessionHistory]:
    """The user's latest work phases in the period with a goal or a check-out, newest
    first, with their room's name: one query."""
    return list(
        history_in(user=user, period=period)
        .filter(kind=WORK)
        .exclude(goal="", outcome="")
        .select_related("room")
        .order_by("-ended_at", "-pk")[:limit]
    )


def phase_session(*, user: User, room_id: int, seq: int) -> SessionHistory | None:
    """The user's history row for the room's phase `seq` (None until that phase ended,
    or if they were not there), with its room: one query."""
    return (
        SessionHistory.objects.filter(user=user, room_id=room_id, seq=seq)
        .select_related("room")
        .first()
    )


def daily_focus(*, user: User, period: Period) -> list[DayTotal]:
    """Focus seconds and work sessions for every local day of the period, zeros included."""
    rows = (
        history_in(user=user, period=period)
        .filter(kind=WORK)
        .annotate(day=TruncDate("ended_at", tzinfo=user.tzinfo))
        .values("day")
        .annotate(seconds=Sum("seconds_credited"), sessions=Count("pk"))
        .order_by("day")
    )
    by_day = {row["day"]: row for row in rows}
    empty = {"seconds": 0, "sessions": 0}
    return [
        DayTotal(day, by_day.get(day, empty)["seconds"], by_day.get(day, empty)["sessions"])
        for day in period.each_day()
    ]


def best_day(days: list[DayTotal]) -> DayTotal | None:
    """The day with the most focus (the earliest on a tie), from an aggregated series."""
    best = max(days, key=lambda total: (total.focus_seconds, -total.day.toordinal()), default=None)
    return best if best and best.focus_seconds else None


def heatmap_period(*, today: date) -> Period:
    """53 calendar weeks, Monday first, ending with the week that holds today."""
    this_monday = today - timedelta(days=today.weekday())
    return Period(start=this_monday - timedelta(weeks=52), end=today)


def work_sessions_by_hour(*, user: User, period: Period) -> list[int]:
    """Work sessions started in each local hour 0-23 within the period."""
    rows = (
        history_in(user=user, period=period)
        .filter(kind=WORK)
        .annotate(hour=ExtractHour("started_at", tzinfo=user.tzinfo))
        .values("hour")
        .annotate(sessions=Count("pk"))
        .order_by("hour")
    )
    counts = [0] * 24
    for row in rows:
        counts[row["hour"]] = row["sessions"]
    return counts


@dataclass(frozen=True)
class ProfileSummary:
    focus_seconds: int
    work_sessions: int
    streaks: Streaks

    @property
    def focus_hours(self) -> float:
        return round(self.focus_seconds / 3600, 1)


def all_time_work(*, user: User) -> tuple[int, int]:
    """All-time (focus seconds, work sessions), in one aggregate (profiles, achievements)."""
    figures = user_history(user=user).aggregate(
        focus=Coalesce(Sum("seconds_credited", filter=Q(kind=WORK)), 0),
        sessions=Count("pk", filter=Q(kind=WORK)),
    )
    return figures["focus"], figures["sessions"]


def profile_summary(*, user: User) -> ProfileSummary:
    """All-time focus, work sessions and streaks for a profile page (two queries)."""
    focus_seconds, work_sessions = all_time_work(user=user)
    return ProfileSummary(
        focus_seconds=focus_seconds, work_sessions=work_sessions, streaks=user_streaks(user=user)
    )


def week_start(*, user: User) -> datetime:
    """Monday 00:00 of the current week in the user's timezone (the leaderboard's week)."""
    today = timezone.localdate(timezone=user.tzinfo)
    return local_midnight(today - timedelta(days=today.weekday()), user.tzinfo)


@dataclass(frozen=True)
class LeaderboardRow:
    rank: int
    user: User
    focus_seconds: int


def leaderboard(
    *, since: datetime, room_id: int | None = None, limit: int = 50
) -> list[LeaderboardRow]:
    """Focus since `since` for users who opted in, most first (one query).

    Filtering the sessions before annotating restricts the Sum to those sessions.
    Ties share a rank.
    """
    sessions = Q(sessions__kind=WORK, sessions__ended_at__gte=since)
    if room_id is not None:
        sessions &= Q(sessions__room_id=room_id)
    users = (
        User.objects.filter(on_leaderboard=True, is_active=True)
        .filter(sessions)
        .annotate(focus_seconds=Sum("sessions__seconds_credited"))
        .filter(focus_seconds__gt=0)
        .order_by("-focus_seconds", "username")[:limit]
    )
    rows: list[LeaderboardRow] = []
    for position, user in enumerate(users, start=1):
        tied = rows and rows[-1].focus_seconds == user.focus_seconds
        rows.append(LeaderboardRow(rows[-1].rank if tied else position, user, user.focus_seconds))
    return rows
