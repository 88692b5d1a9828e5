"""The timer partial: one rendering serves the page, the HTMX response and the push.

It never depends on who is looking, so a broadcast renders it once for the whole
room. Who may press the buttons is decided by the page around it (and enforced by
the services).
"""

from __future__ import annotations

from datetime import datetime

from django.template.loader import render_to_string
from django.utils import timezone

from timers import engine
from timers.models import Timer


def format_clock(seconds: int) -> str:
    """mm:ss, or h:mm:ss from one hour: the same format the browser's countdown uses."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def timer_context(timer: Timer, *, now: datetime | None = None) -> dict:
    now = now or timezone.now()
    settings = timer.settings
    state, _ = timer.state_at(now)  # display only; nothing saved
    remaining = state.remaining_at(now, settings)
    duration = settings.duration(state.phase)
    legal = {
        engine.Status.IDLE: ["start", "skip", "reset"],
        engine.Status.RUNNING: ["pause", "skip", "reset"],
        engine.Status.PAUSED: ["resume", "skip", "reset"],
    }[state.status]
    if state.status is engine.Status.IDLE and state.phase is engine.Phase.WORK and state.cycle == 0:
        legal = ["start"]
    return {
        "timer": timer,
        "room": timer.room,
        "state": state,
        "now": now,
        "remaining": remaining,
        "duration": duration,
        "progress_offset": round(1000 * (1 - remaining / duration)) if duration else 0,
        "clock": format_clock(remaining),
        "phase_label": dict(Timer._meta.get_field("phase").choices)[state.phase.value],
        "actions": legal,
        "pomodoro_number": state.cycle + (1 if state.phase is engine.Phase.WORK else 0),
    }


def render_timer(timer: Timer, *, oob: bool = False, now: datetime | None = None) -> str:
    context = timer_context(timer, now=now)
    context["oob"] = oob
    return render_to_string("timers/_timer.html", context)
