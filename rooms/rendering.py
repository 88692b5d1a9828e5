"""The participants partial, rendered once per broadcast (it never depends on the viewer)."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from rooms.models import Room
from rooms.queries import participants_for_room
from timers import engine
from timers.models import Timer


def participant_status(timer: Timer | None) -> tuple[str, str]:
    """What an online participant is doing, derived from the room's timer as of now."""
    if timer is None:
        return "idle", "Idle"
    from timers.services import timer_settings

    # As the timer is now, even if the scheduler has not yet stored a passed deadline.
    state, _ = engine.advance(timer.state, timer_settings(timer.room), timezone.now())
    if state.status is engine.Status.IDLE:
        return "idle", "Idle"
    if state.status is engine.Status.PAUSED:
        return "paused", "Paused"
    if state.phase is engine.Phase.WORK:
        return "focusing", "Focusing"
    return "break", "On break"


def render_participants(room: Room, *, oob: bool = False, timer: Timer | None = None) -> str:
    if timer is None:
        timer = Timer.objects.filter(room=room).first()
    status, status_label = participant_status(timer)
    return render_to_string(
        "rooms/_participants.html",
        {
            "room": room,
            "participants": participants_for_room(room),
            "status": status,
            "status_label": status_label,
            "oob": oob,
        },
    )
