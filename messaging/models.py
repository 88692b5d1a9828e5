from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone


class NotificationQuerySet(models.QuerySet):
    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """A short line in the user's notifications list, kept even when no page was open.

    Every feature notifies through `messaging.services.notify`: achievements, forum
    replies, mentions and likes, messages.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    text = models.CharField(max_length=200)
    url = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.text

    def get_absolute_url(self) -> str:
        return self.url or reverse("messaging:notifications")


# --- Direct messages ------------------------------------------------------------------

MESSAGE_MAX_LENGTH = 2000


class Conversation(models.Model):
    """The one conversation between two people, whoever wrote first.

    The pair is stored ordered (`user_low` has the smaller id), so a unique constraint
    on it makes two racing first messages meet on the same row.
    """

    user_low = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    user_high = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_message = models.ForeignKey(
        "Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user_low", "user_high"], name="messaging_one_per_pair"
            ),
            models.CheckConstraint(
                condition=models.Q(user_low__lt=models.F("user_high")),
                name="messaging_pair_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_low_id} ↔ {self.user_high_id}"

    def other_id(self, user_id: int) -> int:
        return self.user_high_id if user_id == self.user_low_id else self.user_low_id

    def has_member(self, user_id: int) -> bool:
        return user_id in (self.user_low_id, self.user_high_id)


class ConversationMember(models.Model):
    """One person's side of a conversation: their read state and their inbox order.

    `read_up_to` is the id of the newest message this person has seen; messages from
    the other person above it are unread. `last_activity_at` is copied from the newest
    message so the inbox is one indexed scan, newest first.
    """

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversation_sides"
    )
    other = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_up_to = models.BigIntegerField(default=0)
    last_activity_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "user"], name="messaging_member_once")
        ]
        indexes = [models.Index(fields=["user", "-last_activity_at", "-id"])]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.conversation_id}"

    @property
    def may_have_unread(self) -> bool:
        """Something newer than the read state (read with the conversation)."""
        return (self.conversation.last_message_id or 0) > self.read_up_to


class MessageQuerySet(models.QuerySet):
    def live(self) -> MessageQuerySet:
        """Not deleted by its author (hidden ones still show as hidden)."""
        return self.filter(deleted_at__isnull=True)


# An author may edit or delete a message for this long after sending it.
EDIT_WINDOW_SECONDS = 10 * 60


class Message(models.Model):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="messages_sent"
    )
    body = models.TextField(max_length=MESSAGE_MAX_LENGTH)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    # Kept for moderators (a report may point at it); the pages show "message deleted".
    deleted_at = models.DateTimeField(null=True, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["conversation", "id"])]

    def __str__(self) -> str:
        return f"message {self.pk} in {self.conversation_id}"

    def get_absolute_url(self) -> str:
        return reverse("messaging:message_context", kwargs={"message_id": self.pk})

    @property
    def first_line(self) -> str:
        return self.body.strip().split("\n", 1)[0]

    @property
    def editable_now(self) -> bool:
        """Still within its author's edit window (the pages show the controls for it)."""
        if self.deleted_at or self.hidden_at:
            return False
        return (timezone.now() - self.created_at).total_seconds() <= EDIT_WINDOW_SECONDS

    def is_editable_by(self, user) -> bool:
        return self.sender_id == getattr(user, "pk", None) and self.editable_now


# --- Room chat ------------------------------------------------------------------------


class ChatMessage(models.Model):
    """A line in a room's chat panel, kept for the room's present members."""

    room = models.ForeignKey("rooms.Room", on_delete=models.CASCADE, related_name="chat_messages")
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_messages"
    )
    body = models.TextField(max_length=MESSAGE_MAX_LENGTH)
    created_at = models.DateTimeField(default=timezone.now)
    hidden_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["room", "id"])]

    def __str__(self) -> str:
        return f"chat {self.pk} in room {self.room_id}"

    def get_absolute_url(self) -> str:
        return reverse("messaging:chat_context", kwargs={"message_id": self.pk})
