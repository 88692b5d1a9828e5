from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

GOAL_MAX_LENGTH = 140  # a room's intention, which becomes the goal
NOTE_MAX_LENGTH = 280


class Outcome(models.TextChoices):
    """A person's answer to "Did you do it?" when a work phase ends."""

    DONE = "done", "Done"
    PARTLY = "partly", "Partly"
    NOT_YET = "not_yet", "Not yet"


class SessionHistory(models.Model):
    """One completed timer phase, for one participant. Written by the timer services.

    A work phase also keeps the person's check-in and check-out: `goal` is what they said
    they were working on in the room (their intention) when the phase ended, and
    `outcome`/`outcome_note` their answer to "Did you do it?", given afterwards.
    """

    class Kind(models.TextChoices):
        WORK = "work", "Work"
        SHORT_BREAK = "short_break", "Short break"
        LONG_BREAK = "long_break", "Long break"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sessions"
    )
    room = models.ForeignKey("rooms.Room", on_delete=models.PROTECT, related_name="sessions")
    kind = models.CharField(max_length=12, choices=Kind)
    seq = models.PositiveIntegerField(help_text="The timer phase this row records.")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(help_text="The phase's deadline, not when it was processed.")
    seconds_credited = models.PositiveIntegerField()
    goal = models.CharField(max_length=GOAL_MAX_LENGTH, blank=True, default="")
    outcome = models.CharField(max_length=8, choices=Outcome, blank=True, default="")
    outcome_note = models.CharField(max_length=NOTE_MAX_LENGTH, blank=True, default="")
    checked_out_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "session history"
        ordering = ["-ended_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "room", "seq"], name="stats_session_once_per_phase"
            ),
            # Only a work phase is checked out, and only with one of the three answers.
            models.CheckConstraint(
                condition=Q(outcome="") | Q(kind="work", outcome__in=["done", "partly", "not_yet"]),
                name="stats_session_outcome_of_work",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "ended_at"]),
            models.Index(fields=["user", "kind", "ended_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.kind} {self.ended_at:%Y-%m-%d %H:%M}"
