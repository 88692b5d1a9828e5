"""Every write of the inbox: notifications, direct messages and room chat.

Split by feature; import from here (`from messaging.services import message_send`).
"""

from __future__ import annotations

from messaging.services.chat import chat_hide, chat_post, chat_restore
from messaging.services.direct import (
    conversation_get_or_create,
    conversation_mark_read,
    message_delete,
    message_edit,
    message_hide,
    message_restore,
    message_send,
)
from messaging.services.notifications import notifications_mark_read, notify, notify_many

__all__ = [
    "chat_hide",
    "chat_post",
    "chat_restore",
    "conversation_get_or_create",
    "conversation_mark_read",
    "message_delete",
    "message_edit",
    "message_hide",
    "message_restore",
    "message_send",
    "notifications_mark_read",
    "notify",
    "notify_many",
]
