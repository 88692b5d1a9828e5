"""The timer: its state (the deadline and the server's clock, never a ticking count) and
the four commands of the original API, run through the same service as the page's buttons."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router

from api.schemas import ERRORS, PathId, TimerOut, timer_out
from rooms.access import visible_room
from rooms.queries import Viewing
from timers import engine
from timers.rendering import timer_data
from timers.services import timer_advance, timer_command

router = Router(tags=["Timer"])


@router.get("/{room_id}", response={200: TimerOut, **ERRORS})
def timer_state(request: HttpRequest, room_id: PathId):
    room = visible_room(request, room_id, with_timer=True).room
    timer = timer_advance(room_id=room.pk, timer=room.timer)
    timer.room = room
    return timer_out(timer_data(timer))


def _command(request: HttpRequest, room_id: int, action: str) -> dict:
    return _run(request, visible_room(request, room_id), action)


def _run(request: HttpRequest, viewing: Viewing, action: str) -> dict:
    timer = timer_command(
        room=viewing.room, by=request.user, participant=viewing.participant, action=action
    )
    return timer_out(timer_data(timer))


@router.post("/{room_id}/start", response={200: TimerOut, **ERRORS})
def timer_start(request: HttpRequest, room_id: PathId):
    """Starts an idle timer, or resumes a paused one (the original had one button)."""
    viewing = visible_room(request, room_id, with_timer=True)
    state, _ = viewing.room.timer.state_at(timezone.now())
    # The service checks the command again under the row lock.
    return _run(request, viewing, "resume" if state.status is engine.Status.PAUSED else "start")


@router.post("/{room_id}/pause", response={200: TimerOut, **ERRORS})
def timer_pause(request: HttpRequest, room_id: PathId):
    return _command(request, room_id, "pause")


@router.post("/{room_id}/reset", response={200: TimerOut, **ERRORS})
def timer_reset(request: HttpRequest, room_id: PathId):
    return _command(request, room_id, "reset")


@router.post("/{room_id}/complete", response={200: TimerOut, **ERRORS})
def timer_complete(request: HttpRequest, room_id: PathId):
    """Ends the current phase now without crediting it (the page's Skip)."""
    return _command(request, room_id, "skip")
