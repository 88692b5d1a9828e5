"""The timer partial and its JSON twin: one view of a change (`TimerView`), one rendering
of it, serve the page, the HTMX response and the push.

They never depend on who is looking, so a broadcast renders once for the whole room.
Both take anything with `room_id`, `version`, `state` and `settings`: a `Timer` row,
or the `TimerChanged` event a subscriber received (no query either way). Who may press
the buttons is decided by the page around it and enforced by the services.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
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


@dataclass(frozen=True)
class TimerView:
    """The timer as shown at one instant, built once per change (`timer_view`).

    It gives the pushed HTML, the HTMX answer and the page's partial (`html`), the JSON
    `data` of the API and its socket (`timer_data`), and the template's variables
    (`context`), all from the same state, time left and server clock.
    """

    room_id: int
    version: int
    at: datetime
    settings: engine.TimerSettings
    state: engine.TimerState  # as of `at` (a deadline already past is shown as done)
    remaining: int
    duration: int
    actions: tuple[str, ...]
    note: str  # who paused or reset, while that holds ("Paused by alice")

    def context(self) -> dict:
        return {
            "room_id": self.room_id,
            "timer_url": timer_url(self.room_id),
            "version": self.version,
            "settings": self.settings,
            "state": self.state,
            "now": self.at,
            "remaining": self.remaining,
            "duration": self.duration,
            "actions": list(self.actions),
            "note": self.note,
            **_derived(self.state, self.settings, self.remaining, self.duration),
        }

    def html(self, *, oob: bool = False, csrf_token: str | None = None) -> str:
        """The partial: out of band for a push, or with the form's CSRF field for the
        viewer who asked (a push goes to everyone, so it never carries one)."""
        html = (
            _render_look(
                (self.state, self.settings, self.remaining, self.duration, self.actions, self.note)
            )
            .replace(_URL, escape(timer_url(self.room_id)))
            .replace(_VERSION, str(self.version))
            .replace(_NOW, self.at.isoformat())
        )
        if not oob:
            html = html.replace(_OOB_ATTRIBUTE, "", 1)
        if csrf_token is None:
            return html.replace(_CSRF_FIELD, "", 1)
        return html.replace(_CSRF, escape(csrf_token), 1)


def timer_view(timer: TimerLike, *, at: datetime | None = None) -> TimerView:
    """The view of `timer` at `at`: a `TimerChanged` event's instant, the instant of the
    command that just saved a `Timer` (its `changed` event), or now.

    Views are kept for a moment, so the subscriber that pushes a change and the view that
    answers the button that made it use one object, and one rendering of it.
    """
    changed = getattr(timer, "changed", None)
    if at is None and changed is not None:
        timer = changed
    at = at or getattr(timer, "at", None) or timezone.now()
    note = getattr(timer, "note", "")
    return _view(timer.room_id, timer.version, timer.state, timer.settings, at, note)


@functools.lru_cache(maxsize=2048)
def _view(
    room_id: int,
    version: int,
    state: engine.TimerState,
    settings: engine.TimerSettings,
    at: datetime,
    note: str = "",
) -> TimerView:
    if engine.is_due(state, at):  # display only; nothing saved
        state, _ = engine.advance(state, settings, at)
    return TimerView(
        room_id=room_id,
        version=version,
        at=at,
        settings=settings,
        state=state,
        remaining=state.remaining_at(at, settings),
        duration=settings.duration(state.phase),
        actions=tuple(engine.legal_commands(state)),
        note=note,
    )


def timer_context(timer: TimerLike, *, now: datetime | None = None) -> dict:
    return timer_view(timer, at=now).context()


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
_CSRF = "\ue000csrf\ue000"
# What the template writes for `oob` and for a CSRF token (timers/tests/test_rendering.py
# compares the result with the template's own rendering).
_OOB_ATTRIBUTE = ' hx-swap-oob="true"'
_CSRF_FIELD = f'<input type="hidden" name="csrfmiddlewaretoken" value="{_CSRF}">'


def render_timer(timer: TimerLike, *, oob: bool = False, now: datetime | None = None) -> str:
    """The partial of `timer` as of `now` (see `TimerView.html`)."""
    return timer_view(timer, at=now).html(oob=oob)


@functools.lru_cache(maxsize=512)
def _render_look(look: tuple) -> str:
    """One rendering per distinct look, with stand-ins for the rest.

    A class's rooms whose phases end together all show the same state: a scheduler pass
    rendered the template a thousand times for a thousand identical partials but for
    the room's URL, the version and the server's clock (0.11 s of a 0.3 s pass). It is
    rendered out of band and with a CSRF field, both taken out where not wanted, so that
    the push and the answer to the button that caused it share this one rendering.
    """
    state, settings, remaining, duration, actions, note = look
    context = _derived(state, settings, remaining, duration)
    context.update(
        state=state,
        settings=settings,
        remaining=remaining,
        duration=duration,
        actions=list(actions),
        note=note,
        oob=True,
        csrf_token=_CSRF,
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


def timer_data(timer: TimerLike | TimerView, *, now: datetime | None = None) -> dict:
    """The same state as JSON: the deadline and the server's clock, never a ticking count."""
    view = timer if isinstance(timer, TimerView) else timer_view(timer, at=now)
    state, settings = view.state, view.settings
    return {
        "room_id": view.room_id,
        "version": view.version,
        "status": state.status.value,
        "phase": state.phase.value,
        "seq": state.seq,
        "cycle": state.cycle,
        "ends_at": _iso(state.ends_at),
        "phase_started_at": _iso(state.phase_started_at),
        "paused_at": _iso(state.paused_at),
        "remaining_seconds": view.remaining,
        "duration_seconds": view.duration,
        "server_now": view.at.isoformat(),
        "actions": list(view.actions),
        "settings": {
            "work_seconds": settings.work_seconds,
            "short_break_seconds": settings.short_break_seconds,
            "long_break_seconds": settings.long_break_seconds,
            "long_break_every": settings.long_break_every,
            "auto_start_breaks": settings.auto_start_breaks,
            "auto_start_work": settings.auto_start_work,
        },
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
