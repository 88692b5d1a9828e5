"""The timer partial and its JSON twin: one rendering serves the page, the HTMX
response and the push.

They never depend on who is looking, so a broadcast renders once for the whole room.
Both take anything with `room_id`, `version`, `state` and `settings`: a `Timer` row,
or the `TimerChanged` event a subscriber received (no query either way). Who may press
the buttons is decided by the page around it and enforced by the services.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Protocol

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from timers import engine

# The same labels as the model's choices ("Short Break").
PHASE_LABELS = {phase: phase.name.replace("_", " ").title() for phase in engine.Phase}


class TimerLike(Protocol):
    room_id: int
    version: int

    @property
    def state(self) -> engine.TimerState: ...

    @property
    def settings(self) -> engine.TimerSettings: ...


def format_clock(seconds: int) -> str:
    """mm:ss, or h:mm:ss from one hour: the same format the browser's countdown uses."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


@functools.lru_cache(maxsize=10_000)
def timer_url(room_id: int) -> str:
    """The room's timer URL, reversed once per room and process: the partial names it
    three times, and a scheduler pass renders it for every room it advanced."""
    return reverse("rooms:timer", args=[room_id])


def timer_context(timer: TimerLike, *, now: datetime | None = None) -> dict:
    now = now or timezone.now()
    settings = timer.settings
    state, _ = engine.advance(timer.state, settings, now)  # display only; nothing saved
    remaining = state.remaining_at(now, settings)
    duration = settings.duration(state.phase)
    return {
        "room_id": timer.room_id,
        "timer_url": timer_url(timer.room_id),
        "version": timer.version,
        "settings": settings,
        "state": state,
        "now": now,
        "remaining": remaining,
        "duration": duration,
        "progress_offset": round(1000 * (1 - remaining / duration)) if duration else 0,
        "clock": format_clock(remaining),
        "phase_label": PHASE_LABELS[state.phase],
        "actions": engine.legal_commands(state),
        "pomodoro_number": state.cycle + (1 if state.phase is engine.Phase.WORK else 0),
    }


def render_timer(timer: TimerLike, *, oob: bool = False, now: datetime | None = None) -> str:
    context = timer_context(timer, now=now)
    context["oob"] = oob
    return render_to_string("timers/_timer.html", context)


def timer_data(timer: TimerLike, *, now: datetime | None = None) -> dict:
    """The same state as JSON: the deadline and the server's clock, never a ticking count."""
    context = timer_context(timer, now=now)
    state: engine.TimerState = context["state"]
    settings: engine.TimerSettings = context["settings"]
    return {
        "room_id": timer.room_id,
        "version": timer.version,
        "status": state.status.value,
        "phase": state.phase.value,
        "seq": state.seq,
        "cycle": state.cycle,
        "ends_at": state.ends_at.isoformat() if state.ends_at else None,
        "remaining_seconds": context["remaining"],
        "duration_seconds": context["duration"],
        "server_now": context["now"].isoformat(),
        "actions": context["actions"],
        "settings": {
            "work_seconds": settings.work_seconds,
            "short_break_seconds": settings.short_break_seconds,
            "long_break_seconds": settings.long_break_seconds,
            "long_break_every": settings.long_break_every,
            "auto_start_breaks": settings.auto_start_breaks,
            "auto_start_work": settings.auto_start_work,
        },
    }
