from __future__ import annotations

from django.conf import settings
from django.db import models


class SessionHistory(models.Model):
    """One completed timer phase, for one participant. Written by the timer services."""

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
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "session history"
        ordering = ["-ended_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "room", "seq"], name="stats_session_once_per_phase"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "ended_at"]),
            models.Index(fields=["user", "kind", "ended_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.kind} {self.ended_at:%Y-%m-%d %H:%M}"
