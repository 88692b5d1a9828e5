from __future__ import annotations

from django.db import models
from django.db.models import Q

from timers import engine

# Commands whose result stays on screen and deserves a name: a pause holds the room,
# a reset throws its progress away.
NOTED_COMMANDS = {
    "pause": (engine.Status.PAUSED, "Paused by {}"),
    "reset": (engine.Status.IDLE, "Reset by {}"),
}


def command_note(*, status: str, command: str, username: str) -> str:
    """ "Paused by alice" while the pause she made holds, else ""."""
    noted = NOTED_COMMANDS.get(command)
    if not noted or not username or status != noted[0]:
        return ""
    return noted[1].format(username)


class TimerQuerySet(models.QuerySet):
    def running(self) -> TimerQuerySet:
        return self.filter(status=engine.Status.RUNNING)

    def due(self, now) -> TimerQuerySet:
        return self.running().filter(ends_at__lte=now)


class Timer(models.Model):
    """A room's shared timer. Its state is stored, never ticked: see timers/engine.py."""

    # A timer knows its room only through this relation (settings, who is present):
    # timers imports nothing from rooms, which calls the timer services.
    room = models.OneToOneField(
        "rooms.Room", on_delete=models.CASCADE, primary_key=True, related_name="timer"
    )
    status = models.CharField(
        max_length=10,
        choices=[(s.value, s.name.title()) for s in engine.Status],
        default=engine.Status.IDLE,
    )
    phase = models.CharField(
        max_length=12,
        choices=[(p.value, p.name.replace("_", " ").title()) for p in engine.Phase],
        default=engine.Phase.WORK,
    )
    seq = models.PositiveIntegerField(default=1)
    cycle = models.PositiveIntegerField(default=0)
    ends_at = models.DateTimeField(null=True, blank=True)
    remaining_seconds = models.PositiveIntegerField(null=True, blank=True)
    phase_started_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=0)
    # The last command and who gave it (a username as it was then): the room sees
    # "Paused by alice" whether she clicked or pressed a key.
    last_command = models.CharField(max_length=10, blank=True, default="")
    last_command_by = models.CharField(max_length=150, blank=True, default="")
    # A scheduled session's length: the work phase numbered `scheduled_seq` lasts
    # `scheduled_work_seconds` instead of the room's work minutes. Tied to that one phase,
    # it needs no clearing: the break after it, a reset or the next start is the room's own.
    scheduled_seq = models.PositiveIntegerField(null=True, blank=True)
    scheduled_work_seconds = models.PositiveIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TimerQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="running") | Q(ends_at__isnull=False),
                name="timers_running_has_deadline",
            ),
            models.CheckConstraint(
                condition=~Q(status="paused") | Q(remaining_seconds__isnull=False),
                name="timers_paused_has_remaining",
            ),
        ]
        indexes = [models.Index(fields=["status", "ends_at"])]

    def __str__(self) -> str:
        return f"{self.room} timer ({self.status} {self.phase})"

    @property
    def settings(self) -> engine.TimerSettings:
        """The engine's view of the room's durations and auto-start choices."""
        room = self.room
        work_seconds = room.work_minutes * 60
        if self.scheduled_work_seconds and self.scheduled_seq == self.seq:
            work_seconds = self.scheduled_work_seconds
        return engine.TimerSettings(
            work_seconds=work_seconds,
            short_break_seconds=room.short_break_minutes * 60,
            long_break_seconds=room.long_break_minutes * 60,
            long_break_every=room.long_break_every,
            auto_start_breaks=room.auto_start_breaks,
            auto_start_work=room.auto_start_work,
        )

    def state_at(self, now) -> tuple[engine.TimerState, list[engine.CompletedPhase]]:
        """The state as of `now` and the phases completed on the way; nothing is saved."""
        return engine.advance(self.state, self.settings, now)

    @property
    def note(self) -> str:
        return command_note(
            status=self.status, command=self.last_command, username=self.last_command_by
        )

    @property
    def state(self) -> engine.TimerState:
        return engine.TimerState(
            status=engine.Status(self.status),
            phase=engine.Phase(self.phase),
            seq=self.seq,
            cycle=self.cycle,
            ends_at=self.ends_at,
            remaining_seconds=self.remaining_seconds,
            phase_started_at=self.phase_started_at,
            paused_at=self.paused_at,
        )

    def apply(self, state: engine.TimerState) -> None:
        self.status = state.status.value
        self.phase = state.phase.value
        self.seq = state.seq
        self.cycle = state.cycle
        self.ends_at = state.ends_at
        self.remaining_seconds = state.remaining_seconds
        self.phase_started_at = state.phase_started_at
        self.paused_at = state.paused_at
