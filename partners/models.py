"""1:1 partner sessions: a person's booking of a slot (a start on the grid and a length),
and the match that pairs two bookings of one slot.

A match is one private room and one scheduled session for two in it, with a schedule
seat for each partner, so the exactly-once start, the reminders, the calendar feeds and
attendance all come from the schedule as they are.

What must hold once is held by constraints, not only by the code that takes the locks:

- a person has one live booking per start (`partners_booking_one_per_start`), and the
  service refuses overlapping ones of different starts under a per-person lock;
- a match has two seats, numbered 1 and 2, each held by at most one live booking
  (`partners_booking_seat_once`): a pair of three cannot be written;
- the no-show check of a match is a fact (`no_show_checked_at`) set once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from scheduling.models import LENGTHS


class PartnerMatch(models.Model):
    room = models.ForeignKey("rooms.Room", on_delete=models.CASCADE, related_name="+")
    session = models.OneToOneField(
        "scheduling.ScheduledSession", on_delete=models.CASCADE, related_name="partner_match"
    )
    starts_at = models.DateTimeField()
    work_minutes = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField()
    # Set once by the no-show pass (start + NO_SHOW_AFTER), under the slot's lock.
    no_show_checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "partner matches"
        indexes = [
            models.Index(
                fields=["starts_at"],
                condition=Q(no_show_checked_at__isnull=True),
                name="partners_match_to_check",
            )
        ]

    def __str__(self) -> str:
        return f"Partner match {self.pk} at {self.starts_at:%Y-%m-%d %H:%M} UTC"


class PartnerBookingQuerySet(models.QuerySet):
    def live(self) -> PartnerBookingQuerySet:
        return self.filter(ended_at__isnull=True)

    def slot(self, *, starts_at, work_minutes: int) -> PartnerBookingQuerySet:
        return self.filter(starts_at=starts_at, work_minutes=work_minutes)


class PartnerBooking(models.Model):
    class Ended(models.TextChoices):
        CANCELLED = "cancelled", "Cancelled"
        NO_SHOW = "no_show", "Did not come"
        BANNED = "banned", "Account banned"
        UNMATCHED = "unmatched", "No partner found"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="partner_bookings"
    )
    starts_at = models.DateTimeField()
    work_minutes = models.PositiveSmallIntegerField()
    ends_at = models.DateTimeField()
    created_at = models.DateTimeField()
    match = models.ForeignKey(
        PartnerMatch,
        # With the room (and so the match) gone, its seats go too: a booking in a match
        # keeps its seat number (partners_booking_seat_in_match).
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="bookings",
    )
    seat = models.PositiveSmallIntegerField(null=True, blank=True)
    matched_at = models.DateTimeField(null=True, blank=True)
    # Set once when the booking stops being live, with why (a cancel, a no-show, a ban,
    # or nobody to pair with by the start).
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_why = models.CharField(max_length=12, choices=Ended, blank=True)

    objects = PartnerBookingQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(work_minutes__in=LENGTHS), name="partners_booking_length"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="partners_booking_ends_after"
            ),
            models.CheckConstraint(
                condition=Q(match__isnull=True, seat__isnull=True)
                | Q(match__isnull=False, seat__in=(1, 2)),
                name="partners_booking_seat_in_match",
            ),
            models.UniqueConstraint(
                fields=["user", "starts_at"],
                condition=Q(ended_at__isnull=True),
                name="partners_booking_one_per_start",
            ),
            models.UniqueConstraint(
                fields=["match", "seat"],
                condition=Q(ended_at__isnull=True, match__isnull=False),
                name="partners_booking_seat_once",
            ),
        ]
        indexes = [
            models.Index(
                fields=["starts_at", "work_minutes", "created_at"],
                condition=Q(ended_at__isnull=True),
                name="partners_booking_waiting",
            ),
            models.Index(fields=["user", "-starts_at"], name="partners_booking_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} partner booking at {self.starts_at:%Y-%m-%d %H:%M} UTC"

    @property
    def is_live(self) -> bool:
        return self.ended_at is None


class PartnerEmail(models.Model):
    """An email owed to a person (matched, left alone, no partner found): written in the
    transaction that decides it, sent once by a task that stamps `sent_at` (the schedule's
    reminder pattern, scheduling/tasks.py)."""

    class Kind(models.TextChoices):
        MATCHED = "matched", "Matched"
        ALONE = "alone", "Partner gone, solo"
        UNMATCHED = "unmatched", "No partner found"

    booking = models.ForeignKey(PartnerBooking, on_delete=models.CASCADE, related_name="emails")
    kind = models.CharField(max_length=10, choices=Kind)
    partner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.kind} email for {self.booking_id}"
