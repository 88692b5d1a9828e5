"""Scheduled sessions: a time to meet in a room, the seats booked for it, and the facts
that make the schedule exactly-once (started, reminded, attended).

A session is a row, never a job in memory. `starts_at` is UTC; the organiser's zone is
kept (on the series) so that a weekly 09:00 stays at 09:00 local time across a
daylight-saving change. A weekly rule is expanded into rows ahead of time, so each
occurrence can be booked, cancelled and counted on its own.

"Started" and "reminded" are stored facts under constraints, so two schedulers, a retry
or a restart never start a session or send a reminder twice.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

# The grid that starts sit on, and the lengths a session may have (minutes of work).
GRID_MINUTES = 15
LENGTHS = (25, 50, 75)
MAX_CAPACITY = 500
# Cancelling a seat closer than this to the start counts as late.
LATE_CANCEL = timedelta(minutes=10)
# A booked person who has not opened the room this long after the start is a no-show.
NO_SHOW_GRACE = timedelta(minutes=5)
REMINDER_CHOICES = (0, 5, 10, 30, 60)  # minutes before; 0 is off


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class SessionSeries(models.Model):
    """A weekly rule: the same local time on chosen weekdays, until a date or N times."""

    room = models.ForeignKey("rooms.Room", on_delete=models.CASCADE, related_name="session_series")
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="session_series"
    )
    timezone = models.CharField(max_length=64)
    local_start = models.TimeField()
    # ISO weekdays, Monday 1 .. Sunday 7, as a sorted string of digits ("135").
    weekdays = models.CharField(max_length=7)
    until = models.DateField(null=True, blank=True)
    count = models.PositiveSmallIntegerField(null=True, blank=True)
    # How far ahead rows exist: the series is expanded up to this local date.
    expanded_until = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "session series"
        constraints = [
            models.CheckConstraint(
                condition=Q(until__isnull=False) | Q(count__isnull=False),
                name="scheduling_series_has_an_end",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.room} weekly at {self.local_start:%H:%M} ({self.timezone})"


class ScheduledSessionQuerySet(models.QuerySet):
    def live(self) -> ScheduledSessionQuerySet:
        """Not cancelled."""
        return self.filter(cancelled_at__isnull=True)

    def upcoming(self, now) -> ScheduledSessionQuerySet:
        return self.live().filter(ends_at__gt=now)

    def due_to_start(self, now) -> ScheduledSessionQuerySet:
        return self.live().filter(starts_at__lte=now, started_at__isnull=True, ends_at__gt=now)


class ScheduledSession(models.Model):
    room = models.ForeignKey(
        "rooms.Room", on_delete=models.CASCADE, related_name="scheduled_sessions"
    )
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="organised_sessions"
    )
    series = models.ForeignKey(
        SessionSeries,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sessions",
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    # Minutes of work: 25, 50 or 75; null means the room's own phases (one work phase).
    work_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    capacity = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MAX_CAPACITY)]
    )
    # The organiser's zone when it was scheduled: the page names it when it differs.
    timezone = models.CharField(max_length=64)
    title = models.CharField(max_length=80, blank=True)
    # Seats placed by another app (partner matching, through scheduling.seats): booking,
    # cancelling or changing it here would bypass that app's pairing, so it is refused.
    seats_elsewhere = models.BooleanField(default=False, editable=False)
    # iCalendar's SEQUENCE: raised at every change a calendar must take (a new time, a
    # cancel), so a subscribed calendar replaces its copy rather than keeping the old one.
    sequence = models.PositiveIntegerField(default=0)
    # Facts, each set once under the row's lock (or a conditional UPDATE):
    started_at = models.DateTimeField(null=True, blank=True)
    attendance_marked_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScheduledSessionQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="scheduling_session_ends_after"
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=1, capacity__lte=MAX_CAPACITY),
                name="scheduling_session_capacity_range",
            ),
            models.CheckConstraint(
                condition=Q(work_minutes__isnull=True) | Q(work_minutes__in=LENGTHS),
                name="scheduling_session_length",
            ),
            # One occurrence of a series per start, so expanding twice adds nothing.
            models.UniqueConstraint(
                fields=["series", "starts_at"], name="scheduling_session_once_per_series_start"
            ),
        ]
        indexes = [
            # The scheduler's two reads: the next start not yet made, the next to mark.
            models.Index(
                fields=["starts_at"],
                condition=Q(started_at__isnull=True, cancelled_at__isnull=True),
                name="scheduling_session_to_start",
            ),
            models.Index(fields=["room", "starts_at"], name="scheduling_session_room_start"),
            models.Index(
                fields=["starts_at"],
                condition=Q(attendance_marked_at__isnull=True, cancelled_at__isnull=True),
                name="scheduling_session_to_mark",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title or self.room} at {self.starts_at:%Y-%m-%d %H:%M} UTC"

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None


class BookingQuerySet(models.QuerySet):
    def held(self) -> BookingQuerySet:
        """Seats taken: not cancelled."""
        return self.filter(cancelled_at__isnull=True)


class Booking(models.Model):
    """One person's seat in one session. Cancelling keeps the row (it counts, late or not)."""

    session = models.ForeignKey(ScheduledSession, on_delete=models.CASCADE, related_name="bookings")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bookings"
    )
    booked_at = models.DateTimeField()
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_late = models.BooleanField(default=False)
    # Facts set once: the reminder's claim, and the attendance at NO_SHOW_GRACE past start.
    reminded_at = models.DateTimeField(null=True, blank=True)
    attended = models.BooleanField(null=True, blank=True)
    # The reminder email's fact, set by the task in the transaction that sends it, so a
    # task run again (a worker's lease ran out) does not mail twice.
    reminder_emailed_at = models.DateTimeField(null=True, blank=True)
    # When a socket of theirs first opened the room around the start (scheduling.attendance).
    arrived_at = models.DateTimeField(null=True, blank=True)

    objects = BookingQuerySet.as_manager()

    class Meta:
        ordering = ["booked_at"]
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="scheduling_booking_once"),
        ]
        indexes = [
            models.Index(fields=["user", "session"], name="scheduling_booking_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.session}"


class SchedulePreferences(models.Model):
    """A person's schedule settings: the reminder lead and the private calendar feed."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="schedule_preferences"
    )
    reminder_minutes = models.PositiveSmallIntegerField(
        default=10, choices=[(m, f"{m} minutes before" if m else "Off") for m in REMINDER_CHOICES]
    )
    feed_token = models.CharField(max_length=64, unique=True, default=new_feed_token)

    class Meta:
        verbose_name_plural = "schedule preferences"

    def __str__(self) -> str:
        return f"Schedule preferences of {self.user}"
