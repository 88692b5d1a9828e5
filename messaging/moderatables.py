"""Direct messages and chat lines can be reported; moderators read them in a page that
shows the reported one and its neighbours, nothing else of the conversation."""

from __future__ import annotations

from messaging.models import ChatMessage, Message
from messaging.services import chat_hide, chat_restore, message_hide, message_restore
from moderation.registry import Moderatable, register

register(
    Message,
    Moderatable(
        author_id=lambda message: message.sender_id,
        hide=lambda message: message_hide(message=message),
        restore=lambda message: message_restore(message=message),
        url=lambda message: message.get_absolute_url(),
    ),
)
register(
    ChatMessage,
    Moderatable(
        author_id=lambda line: line.sender_id,
        hide=lambda line: chat_hide(line=line),
        restore=lambda line: chat_restore(line=line),
        url=lambda line: line.get_absolute_url(),
    ),
)
