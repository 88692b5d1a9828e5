"""Writes to the inbox. Other apps notify a person through `notify`, never by writing rows.

Direct messages and room chat lines are written here too, first, and pushed after
commit (`publish_on_commit`) by the subscribers in messaging/subscriptions.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import MessagePrivacy, User
from accounts.queries import is_blocked_between
from accounts.services import require_active
from focusmate.events import (
    ChatMessageModerated,
    ChatMessagePosted,
    ConversationRead,
    MessageDeleted,
    MessageEdited,
    MessageSent,
    NotificationCreated,
    publish_on_commit,
)
from focusmate.lib.ratelimit import hit, limit_for
from messaging.models import (
    EDIT_WINDOW_SECONDS,
    MESSAGE_MAX_LENGTH,
    ChatMessage,
    Conversation,
    ConversationMember,
    Message,
    Notification,
)
from messaging.queries import chat_closed_reason, share_a_room
from rooms.models import Participant, Room
from timers.models import Timer


def notify(*, user: User, text: str, url: str = "") -> Notification:
    """Adds a line to `user`'s notifications; their open pages hear of it after commit."""
    return notify_many(user=user, lines=[(text, url)])[0]


def notify_many(
    *, user: User, lines: list[tuple[str, str]], at: datetime | None = None
) -> list[Notification]:
    """Adds several (text, url) lines in one insert, whatever their number."""
    at = at or timezone.now()
    notifications = Notification.objects.bulk_create(
        [
            Notification(user=user, text=text[:200], url=url[:200], created_at=at)
            for text, url in lines
        ]
    )
    for notification in notifications:
        publish_on_commit(
            NotificationCreated(
                user_id=user.pk,
                notification_id=notification.pk,
                text=notification.text,
                url=notification.url,
            )
        )
    return notifications


def notify_each(*, lines: list[tuple[int, str, str]], at: datetime | None = None) -> int:
    """One (user id, text, url) line for each of many people, in one insert per thousand
    (the scheduler's reminders of a crowded hour); returns how many."""
    at = at or timezone.now()
    notifications = Notification.objects.bulk_create(
        [
            Notification(user_id=user_id, text=text[:200], url=url[:200], created_at=at)
            for user_id, text, url in lines
        ],
        batch_size=1000,
    )
    for notification in notifications:
        publish_on_commit(
            NotificationCreated(
                user_id=notification.user_id,
                notification_id=notification.pk,
                text=notification.text,
                url=notification.url,
            )
        )
    return len(notifications)


def notify_replacing(
    *, user: User, url: str, at: datetime, text: Callable[[datetime], str]
) -> Notification:
    """One unread line per `url`: updates it if there is one, else adds it as of `at` (when
    what it tells of happened). `text` is given the time the unread line began, to say
    how much happened since ("5 people liked …")."""
    unread = Notification.objects.filter(user=user, url=url[:200]).unread().first()
    if unread is None:
        return notify_many(user=user, lines=[(text(at), url)], at=at)[0]
    unread.text = text(unread.created_at)[:200]
    unread.save(update_fields=["text"])
    publish_on_commit(
        NotificationCreated(
            user_id=user.pk, notification_id=unread.pk, text=unread.text, url=unread.url
        )
    )
    return unread


@transaction.atomic
def notifications_mark_read(*, user: User, up_to_id: int | None = None) -> int:
    """Marks the user's unread notifications read (those up to `up_to_id`, if given)."""
    unread = Notification.objects.filter(user=user).unread()
    if up_to_id is not None:
        unread = unread.filter(pk__lte=up_to_id)
    return unread.update(read_at=timezone.now())


# --- What direct messages and room chat share: the body's rules, one rate limit ---

# Per minute, across direct messages and room chat together.
MESSAGES_PER_MINUTE = 30
MESSAGES_PER_MINUTE_NEW_ACCOUNT = 10


def clean_body(*, body: str) -> str:
    """The text as stored: trimmed, not empty, within the limit, no NUL characters."""
    body = (body or "").strip()
    if not body:
        raise ValidationError("Write something first.")
    if len(body) > MESSAGE_MAX_LENGTH:
        raise ValidationError(
            f"Keep a message to {MESSAGE_MAX_LENGTH:,} characters (this one has {len(body):,})."
        )
    if "\x00" in body:
        raise ValidationError("That message contains characters that can't be sent.")
    return body


def count_message(*, user: User) -> None:
    """One message sent by `user`; RateLimited (with when to retry) past the limit."""
    hit(
        f"messages:{user.pk}",
        limit=limit_for(
            user, normal=MESSAGES_PER_MINUTE, new_account=MESSAGES_PER_MINUTE_NEW_ACCOUNT
        ),
        per_seconds=60,
    )


# --- Direct messages ------------------------------------------------------------------


def may_message(*, sender: User, recipient: User) -> None:
    """PermissionDenied, with a reason the sender may read, unless `sender` may write."""
    if not recipient.is_active:
        raise PermissionDenied("That account is closed.")
    if is_blocked_between(sender, recipient):
        # The same words either way round: the blocked person learns nothing more.
        raise PermissionDenied(f"You can't message {recipient.username}.")
    privacy = recipient.message_privacy
    if privacy == MessagePrivacy.NOBODY:
        raise PermissionDenied(f"{recipient.username} doesn't accept direct messages.")
    if privacy == MessagePrivacy.SHARED_ROOM and not share_a_room(sender, recipient):
        raise PermissionDenied(
            f"{recipient.username} only accepts messages from people in a room with them."
        )


def conversation_get_or_create(*, user: User, other: User) -> Conversation:
    """The pair's one conversation, created with both sides if it doesn't exist yet.

    Two first messages racing from both sides meet on the unique pair: the loser's
    insert waits for the winner's commit, fails, and reads the winner's row.
    """
    if user.pk == other.pk:
        raise ValidationError("You can't message yourself.")
    low, high = sorted((user.pk, other.pk))
    for _ in range(3):
        existing = Conversation.objects.filter(user_low_id=low, user_high_id=high).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                conversation = Conversation.objects.create(user_low_id=low, user_high_id=high)
                ConversationMember.objects.bulk_create(
                    [
                        ConversationMember(conversation=conversation, user_id=low, other_id=high),
                        ConversationMember(conversation=conversation, user_id=high, other_id=low),
                    ]
                )
                return conversation
        except IntegrityError:
            continue  # someone else made it meanwhile: read theirs
    raise RuntimeError(f"no conversation for {low} and {high} after three tries")


@transaction.atomic
def message_send(*, sender: User, recipient: User, body: str) -> Message:
    """Writes a message from `sender` to `recipient`, starting their conversation if needed.

    Refused for a block either way, the recipient's privacy setting, and the shared rate
    limit. Messages of one conversation get their ids in commit order (the conversation
    row is locked first), so "everything after id N" never skips a late commit.
    """
    require_active(user=sender)
    if sender.pk == recipient.pk:
        raise ValidationError("You can't message yourself.")
    body = clean_body(body=body)
    may_message(sender=sender, recipient=recipient)
    count_message(user=sender)
    low, high = sorted((sender.pk, recipient.pk))
    pair = Conversation.objects.select_for_update().filter(user_low_id=low, user_high_id=high)
    conversation = pair.first()  # locked: ids of one conversation follow commit order
    if conversation is None:
        conversation_get_or_create(user=sender, other=recipient)
        conversation = pair.get()
    message = Message.objects.create(conversation=conversation, sender=sender, body=body)
    conversation.last_message = message
    conversation.save(update_fields=["last_message"])
    ConversationMember.objects.filter(conversation=conversation).update(
        last_activity_at=message.created_at
    )
    publish_on_commit(
        MessageSent(
            message_id=message.pk,
            conversation_id=conversation.pk,
            sender_id=sender.pk,
            recipient_id=recipient.pk,
        )
    )
    return message


def _own_recent_message(message: Message, by: User) -> Message:
    require_active(user=by)
    locked = Message.objects.select_for_update().select_related("conversation").get(pk=message.pk)
    if locked.sender_id != by.pk:
        raise PermissionDenied("You can only change your own messages.")
    if locked.deleted_at is not None:
        raise ValidationError("That message was deleted.")
    if locked.hidden_at is not None:
        raise ValidationError("A moderator hid that message.")
    if (timezone.now() - locked.created_at).total_seconds() > EDIT_WINDOW_SECONDS:
        raise ValidationError(
            f"Messages can only be changed for {EDIT_WINDOW_SECONDS // 60} minutes after sending."
        )
    return locked


def _about(message: Message) -> dict:
    return {
        "message_id": message.pk,
        "conversation_id": message.conversation_id,
        "sender_id": message.sender_id,
        "recipient_id": message.conversation.other_id(message.sender_id),
    }


@transaction.atomic
def message_edit(*, message: Message, by: User, body: str) -> Message:
    """Replaces the text of `by`'s own message, within the edit window; it shows "edited"."""
    body = clean_body(body=body)
    message = _own_recent_message(message, by)
    message.body = body
    message.edited_at = timezone.now()
    message.save(update_fields=["body", "edited_at"])
    publish_on_commit(MessageEdited(**_about(message)))
    return message


@transaction.atomic
def message_delete(*, message: Message, by: User) -> Message:
    """Deletes `by`'s own message within the edit window: both see "message deleted"."""
    message = _own_recent_message(message, by)
    message.deleted_at = timezone.now()
    message.save(update_fields=["deleted_at"])
    publish_on_commit(MessageDeleted(**_about(message)))
    return message


@transaction.atomic
def conversation_mark_read(*, conversation: Conversation, user: User, up_to: int) -> int:
    """Moves `user`'s own read state forward to `up_to` (never back, never past the newest
    message, so a message not yet written can't arrive already read). Returns the state."""
    require_active(user=user)
    if not conversation.has_member(user.pk):
        raise PermissionDenied("That isn't your conversation.")
    newest = (
        Message.objects.filter(conversation=conversation).aggregate(newest=Max("id"))["newest"] or 0
    )
    up_to = min(up_to, newest)
    moved = ConversationMember.objects.filter(
        conversation=conversation, user=user, read_up_to__lt=up_to
    ).update(read_up_to=up_to)
    if moved:
        publish_on_commit(
            ConversationRead(conversation_id=conversation.pk, user_id=user.pk, up_to=up_to)
        )
        return up_to
    return ConversationMember.objects.get(conversation=conversation, user=user).read_up_to


# --- Moderation (called by moderation's services, inside the moderator's transaction) ---


def message_hide(*, message: Message) -> None:
    Message.objects.filter(pk=message.pk).update(hidden_at=timezone.now())
    message = Message.objects.select_related("conversation").get(pk=message.pk)
    publish_on_commit(MessageDeleted(**_about(message)))


def message_restore(*, message: Message) -> None:
    Message.objects.filter(pk=message.pk).update(hidden_at=None)
    message = Message.objects.select_related("conversation").get(pk=message.pk)
    publish_on_commit(MessageEdited(**_about(message)))


# --- Room chat ------------------------------------------------------------------------


@transaction.atomic
def chat_post(*, room: Room, by: User, body: str) -> ChatMessage:
    """Adds `by`'s line to the room's chat. Only present members of an open room write,
    and in a breaks-only room not while a work phase runs. Lines get their ids in commit
    order (the room row is locked first), so "everything after id N" misses nothing."""
    require_active(user=by)
    body = clean_body(body=body)
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
    count_message(user=by)
    line = ChatMessage.objects.create(room=room, sender=by, body=body)
    publish_on_commit(ChatMessagePosted(room_id=room.pk, chat_message_id=line.pk))
    return line


# --- Moderation (called inside the moderator's transaction) ---


def chat_hide(*, line: ChatMessage) -> None:
    ChatMessage.objects.filter(pk=line.pk).update(hidden_at=timezone.now())
    publish_on_commit(ChatMessageModerated(room_id=line.room_id, chat_message_id=line.pk))


def chat_restore(*, line: ChatMessage) -> None:
    ChatMessage.objects.filter(pk=line.pk).update(hidden_at=None)
    publish_on_commit(ChatMessageModerated(room_id=line.room_id, chat_message_id=line.pk))
