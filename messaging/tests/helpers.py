"""Bulk builders for the inbox's tests and bench: many rows without the services' limits."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from messaging.models import Conversation, ConversationMember, Message


def conversations_for(user: User, others: list[User], *, unread_each: int = 1) -> None:
    """One conversation with each of `others`, each with `unread_each` messages to `user`."""
    now = timezone.now()
    conversations = Conversation.objects.bulk_create(
        [
            Conversation(user_low_id=min(user.pk, o.pk), user_high_id=max(user.pk, o.pk))
            for o in others
        ]
    )
    messages = Message.objects.bulk_create(
        [
            Message(
                conversation=c,
                sender_id=o.pk,
                body=f"Hello from {o.username}\nsecond line",
                created_at=now - timedelta(seconds=i),
            )
            for i, (c, o) in enumerate(zip(conversations, others, strict=True))
            for _ in range(unread_each)
        ]
    )
    last = {m.conversation_id: m for m in messages}
    members = []
    for c, o in zip(conversations, others, strict=True):
        c.last_message = last[c.pk]
        at = last[c.pk].created_at
        members += [
            ConversationMember(conversation=c, user=user, other=o, last_activity_at=at),
            ConversationMember(conversation=c, user=o, other=user, last_activity_at=at),
        ]
    Conversation.objects.bulk_update(conversations, ["last_message"])
    ConversationMember.objects.bulk_create(members)


def messages_between(sender: User, recipient: User, count: int) -> Conversation:
    """A conversation holding `count` messages, alternating authors."""
    low, high = sorted((sender.pk, recipient.pk))
    conversation, _ = Conversation.objects.get_or_create(user_low_id=low, user_high_id=high)
    for user, other in ((sender, recipient), (recipient, sender)):
        ConversationMember.objects.get_or_create(conversation=conversation, user=user, other=other)
    created = Message.objects.bulk_create(
        [
            Message(
                conversation=conversation,
                sender=sender if n % 2 == 0 else recipient,
                body=f"message {n}",
            )
            for n in range(count)
        ],
        batch_size=5000,
    )
    conversation.last_message = created[-1]
    conversation.save(update_fields=["last_message"])
    return conversation
