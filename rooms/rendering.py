"""The participants partial, rendered once per broadcast (it never depends on the viewer)."""

from __future__ import annotations

from django.template.loader import render_to_string

from rooms.models import Room
from rooms.queries import participants_for_room
from timers.models import Timer


def participant_status(timer: Timer | None) -> tuple[str, str]:
    """What an online participant is doing, derived from the room's timer."""
    if timer is None or timer.status == "idle":
        return "idle", "Idle"
    if timer.status == "paused":
        return "paused", "Paused"
    if timer.phase == "work":
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
