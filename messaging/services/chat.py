"""Room chat: a present member writes a line; the room's sockets show it after commit."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import require_active
from focusmate.events import ChatMessagePosted, publish_on_commit
from messaging.models import ChatMessage
from messaging.queries import chat_closed_reason
from messaging.services.limits import clean_body, count_message
from rooms.models import Participant, Room
from timers.models import Timer


@transaction.atomic
def chat_post(*, room: Room, by: User, body: str) -> ChatMessage:
    """Adds `by`'s line to the room's chat. Only present members of an open room write,
    and in a breaks-only room not while a work phase runs. Lines get their ids in commit
    order (the room row is locked first), so "everything after id N" misses nothing."""
    require_active(by)
    body = clean_body(body)
    room = Room.objects.select_for_update().get(pk=room.pk)
    if not room.is_active:
        raise ValidationError("This room is closed.")
    if not Participant.objects.present().filter(room=room, user=by).exists():
        raise PermissionDenied("Join the room to chat.")
    timer = Timer.objects.get(room=room)
    timer.room = room
    reason = chat_closed_reason(room=room, timer=timer, now=timezone.now())
    if reason:
        raise ValidationError(reason)
    count_message(by)
    line = ChatMessage.objects.create(room=room, sender=by, body=body)
    publish_on_commit(ChatMessagePosted(room_id=room.pk, chat_message_id=line.pk))
    return line


# --- Moderation (called inside the moderator's transaction) ---


def chat_hide(line: ChatMessage) -> None:
    ChatMessage.objects.filter(pk=line.pk).update(hidden_at=timezone.now())


def chat_restore(line: ChatMessage) -> None:
    ChatMessage.objects.filter(pk=line.pk).update(hidden_at=None)
