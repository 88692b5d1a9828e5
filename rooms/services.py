"""Room actions: create, edit, close, invite, join, leave, intention and presence.

Each authorises its caller, runs in one transaction, and publishes what changed on
commit (focusmate.events); rooms/subscriptions.py renders and pushes it. The timer is
created, commanded and stopped through the timer services.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import require_active
from focusmate.events import (
    PeopleChanged,
    RoomClosed,
    RoomJoined,
    RoomLeft,
    RoomOpened,
    publish_on_commit,
)
from focusmate.lib.ratelimit import hit
from rooms.models import Participant, Presence, Room, new_invite_token
from timers import services as timer_services
from timers.models import Timer

logger = logging.getLogger(__name__)

# Room settings a solo room keeps as they are.
SOLO_FIXED_FIELDS = ("is_public", "control", "max_participants", "name")


def _require_owner(room: Room, user: User) -> None:
    require_active(user=user)
    if room.owner_id != user.pk:
        raise PermissionDenied("Only the room's owner can do that.")


def _settings_from(values: dict) -> dict:
    unknown = set(values) - set(Room.SETTINGS_FIELDS)
    if unknown:
        raise TypeError(f"Not room settings: {', '.join(sorted(unknown))}")
    return values


@transaction.atomic
def room_create(*, owner: User, **settings) -> Room:
    """Creates a room with its timer; the owner joins it.

    `settings` are `Room.SETTINGS_FIELDS` (name, durations, …); any other name is an error.
    """
    require_active(user=owner)
    hit(f"room-create:{owner.pk}", limit=10, per_seconds=3600)
    room = Room(owner=owner, **_settings_from(settings))
    room.full_clean()
    room.save()
    timer_services.timer_create(room=room)
    room_join(room=room, user=owner)
    logger.info("room created room=%s owner=%s", room.pk, owner.pk)
    return room


@transaction.atomic
def room_update(*, room: Room, by: User, **settings) -> Room:
    """Changes the owner's settings (`Room.SETTINGS_FIELDS`); a solo room keeps its fixed ones."""
    _require_owner(room, by)
    settings = _settings_from(settings)
    room = Room.objects.select_for_update().get(pk=room.pk)
    for name, value in settings.items():
        if not (room.is_solo and name in SOLO_FIXED_FIELDS):
            setattr(room, name, value)
    room.full_clean()
    room.save()
    timer_services.timer_announce(room=room)
    return room


@transaction.atomic
def room_close(*, room: Room, by: User) -> Room:
    """Deactivates a room: it leaves the list and refuses joins; its history stays.

    The timer stops through its service, so a phase already past its deadline is
    recorded (once) before it goes idle.
    """
    _require_owner(room, by)
    if room.is_solo:
        raise ValidationError("Your solo room can't be closed.")
    Room.objects.filter(pk=room.pk).update(is_active=False)
    room.is_active = False
    timer_services.timer_stop(room_id=room.pk)
    publish_on_commit(RoomClosed(room_id=room.pk))
    return room


@transaction.atomic
def room_regenerate_invite(*, room: Room, by: User) -> Room:
    _require_owner(room, by)
    if room.sealed:
        raise PermissionDenied("This room has no invite link: its seats are given for you.")
    room.invite_token = new_invite_token()
    room.save(update_fields=["invite_token"])
    return room


@transaction.atomic
def room_join(
    *, room: Room, user: User, token: str | None = None, seated: bool = False
) -> Participant:
    """Joins `user` to `room`; a private room needs its invite token (or ownership). A
    sealed room (`room_seal`) takes only people its service seats (`seated`), the owner
    included: someone who left a partner room has no way back but through the pairing."""
    require_active(user=user)
    room = Room.objects.select_for_update().get(pk=room.pk)  # serialises joins: the cap holds
    if not room.is_active:
        raise ValidationError("This room is closed.")
    existing = Participant.objects.filter(room=room, user=user).first()
    if existing and existing.is_present:
        return existing
    is_owner = room.owner_id == user.pk
    if room.is_solo and not is_owner:
        raise PermissionDenied("This is someone's solo room.")
    if room.sealed and not seated:
        raise PermissionDenied(
            "This is a partner session's room: open it from your partner sessions."
        )
    if not room.is_public and not is_owner and token != room.invite_token and not seated:
        raise PermissionDenied("This room is private: you need its invite link.")
    if room.max_participants is not None:
        present = Participant.objects.present().filter(room=room).count()
        if present >= room.max_participants:
            raise ValidationError(
                f"This room is full ({room.max_participants} "
                f"{'person' if room.max_participants == 1 else 'people'}). Try again later."
            )
    hit(f"room-join:{user.pk}", limit=20, per_seconds=60)
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
    publish_on_commit(RoomJoined(room_id=room.pk, user_id=user.pk))
    return participant


@transaction.atomic
def room_leave(*, room: Room, user: User) -> None:
    updated = (
        Participant.objects.present().filter(room=room, user=user).update(left_at=timezone.now())
    )
    if not updated:
        raise ValidationError("You're not in this room.")
    publish_on_commit(RoomLeft(room_id=room.pk, user_id=user.pk))


@transaction.atomic
def room_member_remove(*, room: Room, member: User, by: User) -> None:
    """The owner takes `member` out of their private room. Like a leave (`RoomLeft`): the
    member's sockets of the room close and their calls end at once, and the room is no
    longer theirs to see. Coming back needs the invite link; the owner may renew it."""
    _require_owner(room, by)
    if room.is_public or room.is_solo:
        raise ValidationError(
            "Anyone may join a public room: only a private room's members can be removed."
        )
    if member.pk == room.owner_id:
        raise ValidationError("You own this room: close it instead.")
    removed = (
        Participant.objects.present().filter(room=room, user=member).update(left_at=timezone.now())
    )
    if not removed:
        raise ValidationError(f"{member.username} isn't in this room.")
    logger.info("member removed room=%s user=%s by=%s", room.pk, member.pk, by.pk)
    publish_on_commit(RoomLeft(room_id=room.pk, user_id=member.pk))


@transaction.atomic
def participations_end(*, user: User) -> int:
    """Takes a banned user out of every room they are in; returns how many."""
    room_ids = list(
        Participant.objects.present().filter(user=user).values_list("room_id", flat=True)
    )
    Participant.objects.present().filter(user=user).update(left_at=timezone.now())
    for room_id in room_ids:
        publish_on_commit(RoomLeft(room_id=room_id, user_id=user.pk))
    return len(room_ids)


@transaction.atomic
def participant_set_intention(*, room: Room, user: User, intention: str) -> Participant:
    require_active(user=user)
    intention = intention.strip()
    if len(intention) > 140:
        raise ValidationError("Keep your intention to 140 characters.")
    if "\x00" in intention:
        raise ValidationError("Your intention can't contain that character.")
    participant = Participant.objects.present().filter(room=room, user=user).first()
    if participant is None:
        raise PermissionDenied("Join the room to share what you're working on.")
    hit(f"intention:{user.pk}", limit=10, per_seconds=60)
    participant.intention = intention
    participant.save(update_fields=["intention"])
    publish_on_commit(PeopleChanged(room_id=room.pk, user_ids=frozenset({user.pk})))
    return participant


def _online_anywhere(room_id: int, user_id: int) -> bool:
    return Presence.objects.fresh().filter(room_id=room_id, user_id=user_id).exists()


def presence_write(
    *, process: str, room_id: int, here: Iterable[int] = (), gone: Iterable[int] = ()
) -> None:
    """This process's sockets of these people in the room, as they are now: `here` have
    one open (an upsert), `gone` closed their last (a delete). Two statements at most;
    then `PeopleChanged` for them all (rooms.subscriptions renders and pushes it).

    The socket layer writes the people who changed since its last push together
    (rooms.presence), so a crowd arriving costs one statement and one push, not one per
    socket. It announces them without asking whether another
    process also has them online: the push renders each person as they are, so an extra
    one costs a few bytes, while asking would cost a query. The arrivals are published
    (`RoomOpened`): a scheduled session's attendance is recorded from them.
    """
    now = timezone.now()
    here, gone = set(here), set(gone)
    if gone:
        Presence.objects.filter(process=process, room_id=room_id, user_id__in=gone).delete()
    if here:
        Presence.objects.bulk_create(
            [
                Presence(process=process, room_id=room_id, user_id=user_id, seen_at=now)
                for user_id in sorted(here)
            ],
            update_conflicts=True,
            unique_fields=["process", "room", "user"],
            update_fields=["seen_at"],
            batch_size=500,
        )
    if here or gone:  # outside a transaction (the socket layer's call): delivered at once
        publish_on_commit(PeopleChanged(room_id=room_id, user_ids=frozenset(here | gone)))
    if here:
        publish_on_commit(RoomOpened(room_id=room_id, user_ids=frozenset(here), at=now))


def presence_heartbeat(*, process: str, holding: set[tuple[int, int]]) -> None:
    """Rewrites this process's rows from the (room id, user id) pairs it really holds."""
    now = timezone.now()
    stored = set(Presence.objects.filter(process=process).values_list("room_id", "user_id"))
    for room_id, user_id in stored - holding:
        Presence.objects.filter(process=process, room_id=room_id, user_id=user_id).delete()
    if holding:
        Presence.objects.bulk_create(
            [Presence(process=process, room_id=r, user_id=u, seen_at=now) for r, u in holding],
            update_conflicts=True,
            unique_fields=["process", "room", "user"],
            update_fields=["seen_at"],
            batch_size=500,
        )


@transaction.atomic
def presence_expire() -> int:
    """Drops rows no heartbeat confirmed (a dead process) and publishes who went offline."""
    stale = list(Presence.objects.stale().values_list("pk", "room_id", "user_id"))
    if not stale:
        return 0
    Presence.objects.filter(pk__in=[pk for pk, _, _ in stale]).delete()
    gone: dict[int, set[int]] = {}
    for _, room_id, user_id in stale:
        if not _online_anywhere(room_id, user_id):
            gone.setdefault(room_id, set()).add(user_id)
    for room_id, user_ids in gone.items():
        publish_on_commit(PeopleChanged(room_id=room_id, user_ids=frozenset(user_ids)))
    return len(stale)


def presence_reset_all() -> int:
    """At the start of a single-process server no socket is open: clear what is left."""
    deleted, _ = Presence.objects.all().delete()
    return deleted


def solo_room_for(*, user: User) -> Room:
    """The user's personal room, created on first use (race-safe: one per user)."""
    require_active(user=user)
    room = Room.objects.filter(owner=user, is_solo=True).first()
    if room is not None:
        return room
    try:
        with transaction.atomic():
            room = Room(
                owner=user,
                name=f"{user.username}'s solo room",
                is_solo=True,
                is_public=False,
                control=Room.Control.OWNER,
            )
            room.save()
            timer_services.timer_create(room=room)
            room_join(room=room, user=user)
    except IntegrityError:  # a concurrent first visit made it: the unique constraint held
        room = Room.objects.get(owner=user, is_solo=True)
    return room


def room_seal(*, room: Room) -> Room:
    """Only the service that made `room` seats people in it (`room_join(seated=True)`):
    its invite link neither shows nor works. A 1:1 partner room: a link its owner shared
    would let a stranger into the seat a partner left."""
    Room.objects.filter(pk=room.pk).update(sealed=True)
    room.sealed = True
    return room


def room_allow_talking(*, room: Room) -> Room:
    """Microphones at any time in `room` (a 1:1 partner session's): the caller decides."""
    Room.objects.filter(pk=room.pk).update(mic_any_time=True)
    room.mic_any_time = True
    return room


@transaction.atomic
def room_owner_transfer(*, room: Room, to: User) -> Room:
    """Makes `to`, present in the room, its owner: for rooms a service made for people
    (a partner session) when its owner is no longer one of them. The caller authorises."""
    if not Participant.objects.present().filter(room=room, user=to).exists():
        raise ValidationError("Only someone in the room can own it.")
    Room.objects.filter(pk=room.pk).update(owner=to)
    room.owner = to
    return room
