"""Room actions: create, edit, close, invite, join, leave, intention and presence.

Each authorises its caller, runs in one transaction, and announces what changed to
the room's group on commit.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from focusmate.lib import broadcast
from focusmate.lib.ratelimit import hit
from rooms.models import Participant, Room, new_invite_token
from rooms.rendering import render_people_changes, render_person_joined
from timers import engine
from timers.models import Timer

logger = logging.getLogger(__name__)


def broadcast_people_changes(room: Room, *, user_ids) -> None:
    broadcast.send_html_on_commit(
        broadcast.room_group(room.pk), render_people_changes(room, user_ids=user_ids)
    )


def _require_owner(room: Room, user) -> None:
    if room.owner_id != user.pk:
        raise PermissionDenied("Only the room's owner can do that.")


@transaction.atomic
def room_create(*, owner, **fields) -> Room:
    """Creates a room with its timer; the owner joins it."""
    hit(f"room-create:{owner.pk}", limit=10, per_seconds=3600)
    room = Room(owner=owner, **{k: v for k, v in fields.items() if k in Room.SETTINGS_FIELDS})
    room.full_clean()
    room.save()
    Timer.objects.create(room=room)
    room_join(room=room, user=owner)
    logger.info("room created room=%s owner=%s", room.pk, owner.pk)
    return room


@transaction.atomic
def room_update(*, room: Room, by, **fields) -> Room:
    _require_owner(room, by)
    room = Room.objects.select_for_update().get(pk=room.pk)
    if room.is_solo:
        fields = {
            k: v
            for k, v in fields.items()
            if k not in ("is_public", "control", "max_participants", "name")
        }
    for name, value in fields.items():
        if name in Room.SETTINGS_FIELDS:
            setattr(room, name, value)
    room.full_clean()
    room.save()
    from timers.services import broadcast_timer

    timer = Timer.objects.get(room=room)
    timer.room = room  # the settings just saved
    broadcast_timer(timer)
    return room


@transaction.atomic
def room_close(*, room: Room, by) -> Room:
    """Deactivates a room: it leaves the list and refuses joins; its history stays."""
    _require_owner(room, by)
    if room.is_solo:
        raise ValidationError("Your solo room can't be closed.")
    Room.objects.filter(pk=room.pk).update(is_active=False)
    Timer.objects.filter(room=room).update(
        status=engine.Status.IDLE, ends_at=None, remaining_seconds=None, version=F("version") + 1
    )
    room.is_active = False
    broadcast.send_html_on_commit(
        broadcast.room_group(room.pk),
        '<div id="room-closed" hx-swap-oob="true"><div class="banner" role="alert">'
        "The owner closed this room.</div></div>",
    )
    return room


@transaction.atomic
def room_regenerate_invite(*, room: Room, by) -> Room:
    _require_owner(room, by)
    room.invite_token = new_invite_token()
    room.save(update_fields=["invite_token"])
    return room


def can_view(*, room: Room, user, participant: Participant | None = None) -> bool:
    """Public rooms are visible to everyone logged in; private ones to members and the owner."""
    if room.is_public and not room.is_solo:
        return True
    if user.is_authenticated and room.owner_id == user.pk:
        return True
    return participant is not None and participant.is_present


@transaction.atomic
def room_join(*, room: Room, user, token: str | None = None) -> Participant:
    """Joins `user` to `room`; a private room needs its invite token (or ownership)."""
    room = Room.objects.select_for_update().get(pk=room.pk)  # serialises joins: the cap holds
    if not room.is_active:
        raise ValidationError("This room is closed.")
    existing = Participant.objects.filter(room=room, user=user).first()
    if existing and existing.is_present:
        return existing
    is_owner = room.owner_id == user.pk
    if room.is_solo and not is_owner:
        raise PermissionDenied("This is someone's solo room.")
    if not room.is_public and not is_owner and token != room.invite_token:
        raise PermissionDenied("This room is private: you need its invite link.")
    if room.max_participants is not None:
        present = Participant.objects.present().filter(room=room).count()
        if present >= room.max_participants:
            raise ValidationError(
                f"This room is full ({room.max_participants} "
                f"{'person' if room.max_participants == 1 else 'people'}). Try again later."
            )
    now = timezone.now()
    timer = Timer.objects.get(room=room)
    timer.room = room
    state, _ = timer.state_at(now)
    participant = existing or Participant(room=room, user=user)
    participant.joined_at = now
    participant.left_at = None
    participant.joined_seq = state.seq
    participant.joined_elapsed_seconds = state.elapsed_at(now, timer.settings)
    participant.save()
    participant.user = user
    broadcast.send_html_on_commit(
        broadcast.room_group(room.pk), render_person_joined(room, participant)
    )
    _after_join(user)
    return participant


def _after_join(user) -> None:
    """Checks the rooms-joined achievements after commit."""
    from achievements.services import achievements_check

    def check() -> None:
        try:
            achievements_check(user=user)
        except Exception:
            logger.exception("achievement check failed for user %s", user.pk)

    transaction.on_commit(check)


@transaction.atomic
def room_leave(*, room: Room, user) -> None:
    updated = (
        Participant.objects.present().filter(room=room, user=user).update(left_at=timezone.now())
    )
    if not updated:
        raise ValidationError("You're not in this room.")
    broadcast_people_changes(room, user_ids=[user.pk])


@transaction.atomic
def participant_set_intention(*, room: Room, user, intention: str) -> Participant:
    intention = intention.strip()
    if len(intention) > 140:
        raise ValidationError("Keep your intention to 140 characters.")
    participant = Participant.objects.present().filter(room=room, user=user).first()
    if participant is None:
        raise PermissionDenied("Join the room to share what you're working on.")
    hit(f"intention:{user.pk}", limit=10, per_seconds=60)
    participant.intention = intention
    participant.save(update_fields=["intention"])
    broadcast_people_changes(room, user_ids=[user.pk])
    return participant


@transaction.atomic
def presence_change(*, room_id: int, user, delta: int) -> bool:
    """Counts a socket opening (+1) or closing (-1); True when online/offline flipped.

    It does not broadcast: the socket layer coalesces flips (rooms/presence.py), since a
    room filling up would otherwise send every arrival to everyone already there.
    """
    participant = Participant.objects.select_for_update().filter(room_id=room_id, user=user).first()
    if participant is None:
        return False
    before = participant.online_connections
    after = max(0, before + delta)
    Participant.objects.filter(pk=participant.pk).update(online_connections=after)
    return (before == 0) != (after == 0)


def presence_reset_all() -> int:
    """At the start of a single-process server no socket is open: clear stale counts."""
    return Participant.objects.filter(online_connections__gt=0).update(online_connections=0)


@transaction.atomic
def solo_room_for(*, user) -> Room:
    """The user's personal room, created on first use."""
    room = Room.objects.filter(owner=user, is_solo=True).first()
    if room is None:
        room = Room(
            owner=user,
            name=f"{user.username}'s solo room",
            is_solo=True,
            is_public=False,
            control=Room.Control.OWNER,
        )
        room.save()
        Timer.objects.create(room=room)
        room_join(room=room, user=user)
    return room
