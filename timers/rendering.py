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
from django.utils.html import escape

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
        "actions": engine.legal_commands(state),
        # Who paused or reset, while that holds (a Timer row or its event carry it).
        "note": getattr(timer, "note", ""),
        **_derived(state, settings, remaining, duration),
    }


def _derived(
    state: engine.TimerState, settings: engine.TimerSettings, remaining: int, duration: int
) -> dict:
    """What the partial shows that follows from the state, the settings and the time left."""
    return {
        "progress_offset": round(1000 * (1 - remaining / duration)) if duration else 0,
        "clock": format_clock(remaining),
        "phase_label": PHASE_LABELS[state.phase],
        "pomodoro_number": state.cycle + (1 if state.phase is engine.Phase.WORK else 0),
    }


# Stand-ins for what differs between rooms showing the same state: private-use
# characters, which no context value contains and autoescaping leaves as they are.
_URL, _VERSION, _NOW = "\ue000url\ue000", "\ue000version\ue000", "\ue000now\ue000"


def render_timer(timer: TimerLike, *, oob: bool = False, now: datetime | None = None) -> str:
    """The partial, rendered once per distinct look and filled in per room.

    A class's rooms whose phases end together all show the same state: a scheduler pass
    rendered the template a thousand times for a thousand identical partials but for
    the room's URL, the version and the server's clock (0.11 s of a 0.3 s pass). The
    same rendering with stand-ins for those three is kept and filled in instead.
    """
    context = timer_context(timer, now=now)
    look = (
        context["state"],
        context["settings"],
        context["remaining"],
        context["duration"],
        tuple(context["actions"]),
        context["note"],
        oob,
    )
    return (
        _render_look(look)
        .replace(_URL, escape(context["timer_url"]))
        .replace(_VERSION, str(context["version"]))
        .replace(_NOW, context["now"].isoformat())
    )


@functools.lru_cache(maxsize=512)
def _render_look(look: tuple) -> str:
    state, settings, remaining, duration, actions, note, oob = look
    context = _derived(state, settings, remaining, duration)
    context.update(
        state=state,
        settings=settings,
        remaining=remaining,
        duration=duration,
        actions=list(actions),
        note=note,
        oob=oob,
        room_id=None,  # the template does not show it
        timer_url=_URL,
        version=_VERSION,
        now=_Now(),
    )
    return render_to_string("timers/_timer.html", context)


class _Now:
    """`now` as the template uses it (`now.isoformat`), as a stand-in."""

    def isoformat(self) -> str:
        return _NOW


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
