"""Camera actions: on, confirmed, off, the microphone, and a closed room's cameras.

Each runs in one transaction and publishes `CamerasChanged` on commit when the room's
cameras changed; video/subscriptions.py pushes the new list to the room's video pages.
Turning a camera on is decided under the room's row lock, so the sixth and seventh
cameras of two processes never both get in.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import require_active
from focusmate.events import CamerasChanged, publish_on_commit
from rooms.access import socket_membership
from rooms.models import Room
from video.models import MAX_CAMERAS, Camera

logger = logging.getLogger(__name__)

CAMERAS_FULL = f"{MAX_CAMERAS} cameras are on: yours can join when one turns off."


@transaction.atomic
def camera_on(*, room_id: int, user: User, peer: str) -> Camera:
    """Counts `user`'s page `peer` as a camera of the room, or confirms it (a page says
    so every third of CAMERA_TTL_SECONDS). Refused for someone who may not be in the
    room's socket, and once MAX_CAMERAS are on."""
    require_active(user=user)
    # The lock serialises every camera decision of the room, across processes.
    if not list(Room.objects.select_for_update().filter(pk=room_id).values_list("pk")):
        raise PermissionDenied("You're no longer in this room.")
    if socket_membership(room_id=room_id, user=user) is None:
        raise PermissionDenied("You're no longer in this room.")
    now = timezone.now()
    cameras = Camera.objects.filter(room_id=room_id)
    expired = cameras.stale(now).delete()[0]
    mine = cameras.filter(user=user, peer=peer).first()
    if mine is not None:
        mine.seen_at = now
        mine.save(update_fields=["seen_at"])
        if expired:
            publish_on_commit(CamerasChanged(room_id=room_id))
        return mine
    if cameras.count() >= MAX_CAMERAS:
        if expired:
            publish_on_commit(CamerasChanged(room_id=room_id))
        raise ValidationError(CAMERAS_FULL, code="cameras_full")
    camera = Camera.objects.create(room_id=room_id, user=user, peer=peer, seen_at=now)
    publish_on_commit(CamerasChanged(room_id=room_id))
    logger.info("camera on room=%s user=%s", room_id, user.pk)
    return camera


@transaction.atomic
def camera_off(*, room_id: int, user_id: int, peer: str) -> bool:
    """The page's camera stops counting (turned off, or its socket closed). Anyone may
    turn off their own; returns whether it was on."""
    deleted = Camera.objects.filter(room_id=room_id, user_id=user_id, peer=peer).delete()[0]
    if deleted:
        publish_on_commit(CamerasChanged(room_id=room_id))
        logger.info("camera off room=%s user=%s", room_id, user_id)
    return bool(deleted)


@transaction.atomic
def camera_mic(*, room_id: int, user: User, peer: str, on: bool) -> None:
    """Shows the page's microphone as on or off on its tile everywhere. Turning it on
    needs the camera on, the room's `mic_during_breaks` and a break now: never audio
    during a work phase (the pages also stop it there themselves), except in a room for a
    conversation (`mic_any_time`: a 1:1 partner session)."""
    require_active(user=user)
    membership = socket_membership(room_id=room_id, user=user)
    if membership is None:
        raise PermissionDenied("You're no longer in this room.")
    camera = Camera.objects.filter(room_id=room_id, user=user, peer=peer).first()
    if on:
        if camera is None:
            raise ValidationError("Turn your camera on first.")
        if not mic_allowed_now(room=membership.room):
            raise ValidationError("Microphones work only during breaks, if the room allows it.")
    if camera is not None and camera.mic_on != on:
        camera.mic_on = on
        camera.save(update_fields=["mic_on"])
        publish_on_commit(CamerasChanged(room_id=room_id))


def mic_allowed_now(*, room: Room) -> bool:
    """A room for a conversation (a 1:1 partner session) lets microphones on at any time;
    another, during breaks if it allows them there, and its timer is in one now."""
    if room.mic_any_time:
        return True
    if not room.mic_during_breaks:
        return False
    state, _ = room.timer.state_at(timezone.now())
    return state.phase != "work"


@transaction.atomic
def cameras_clear(*, room_id: int) -> int:
    """Every camera of a closed room stops counting."""
    deleted = Camera.objects.filter(room_id=room_id).delete()[0]
    if deleted:
        publish_on_commit(CamerasChanged(room_id=room_id))
    return deleted
