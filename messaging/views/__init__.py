"""The inbox's pages: notifications, direct messages, room chat, and the moderators' view."""

from __future__ import annotations

from messaging.views.chat import chat_context, chat_lines, chat_report, chat_send
from messaging.views.direct import (
    conversation,
    conversation_block,
    conversation_read,
    inbox,
    message_context,
    message_delete,
    message_edit,
    message_report,
    messages_badge,
)
from messaging.views.notifications import (
    notifications,
    notifications_badge,
    notifications_read,
)

__all__ = [
    "chat_context",
    "chat_lines",
    "chat_report",
    "chat_send",
    "conversation",
    "conversation_block",
    "conversation_read",
    "inbox",
    "message_context",
    "message_delete",
    "message_edit",
    "message_report",
    "messages_badge",
    "notifications",
    "notifications_badge",
    "notifications_read",
]
