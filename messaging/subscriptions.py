"""What the inbox does after other apps' writes commit."""

from __future__ import annotations

from django.template.loader import render_to_string

from accounts.models import User
from focusmate.events import (
    ChatMessageModerated,
    ChatMessagePosted,
    ConversationRead,
    MessageDeleted,
    MessageEdited,
    MessageSent,
    NotificationCreated,
    UserWarned,
    subscriber,
)
from focusmate.lib import broadcast
from messaging.models import ChatMessage, Message
from messaging.services import notify


@subscriber(NotificationCreated)
def push_bell(event: NotificationCreated) -> None:
    """The user's open pages reload their bell's count (a placeholder that fetches it)."""
    html = render_to_string("messaging/_bell.html", {"oob": True, "unread": None})
    broadcast.send_now(
        broadcast.user_group(event.user_id),
        broadcast.message(
            "notification.created",
            html=html,
            data={"id": event.notification_id, "text": event.text, "url": event.url},
        ),
    )


@subscriber(UserWarned)
def notify_warning(event: UserWarned) -> None:
    user = User.objects.filter(pk=event.user_id).first()
    if user is not None:
        notify(user=user, text=f"A moderator warned you: {event.text}")


# --- Direct messages ---------------------------------------------------------------------


@subscriber(MessageSent, MessageEdited, MessageDeleted)
def push_message(event: MessageSent | MessageEdited | MessageDeleted) -> None:
    """Both people's open pages: the message itself, their badge and their inbox.

    Rendered for each of the two (the author's copy has the edit controls, each sees
    times in their own time zone); a page that missed it catches up by id.
    """
    found = Message.objects.filter(pk=event.message_id).first()
    if found is None:
        return
    people = User.objects.in_bulk([event.sender_id, event.recipient_id])
    found.sender = people[event.sender_id]
    kind = {MessageSent: "message.sent", MessageEdited: "message.edited"}.get(
        type(event), "message.deleted"
    )
    data = {
        "message_id": found.pk,
        "conversation_id": event.conversation_id,
        "sender_id": event.sender_id,
    }
    for viewer_id, other_id in (
        (event.recipient_id, event.sender_id),
        (event.sender_id, event.recipient_id),
    ):
        html = render_to_string(
            "messaging/_push_message.html",
            {
                "message": found,
                "viewer": people[viewer_id],
                "other_id": other_id,
                "new": isinstance(event, MessageSent),
            },
        )
        broadcast.send_now(
            broadcast.user_group(viewer_id), broadcast.message(kind, html=html, data=data)
        )


@subscriber(ConversationRead)
def push_read(event: ConversationRead) -> None:
    """The reader's other pages: their badge and inbox counts go down."""
    broadcast.send_now(
        broadcast.user_group(event.user_id),
        broadcast.message(
            "conversation.read",
            html=render_to_string("messaging/_inbox_refresh.html"),
            data={"conversation_id": event.conversation_id, "up_to": event.up_to},
        ),
    )


# --- Room chat ---------------------------------------------------------------------------


@subscriber(ChatMessagePosted)
def push_chat_line(event: ChatMessagePosted) -> None:
    """Rendered once for the room; only its present members' sockets are in the group."""
    _push_line(event.room_id, event.chat_message_id, "chat.posted", appended=True)


@subscriber(ChatMessageModerated)
def push_chat_moderation(event: ChatMessageModerated) -> None:
    """The line redrawn in place on the room's open pages: hidden, or back again."""
    _push_line(event.room_id, event.chat_message_id, "chat.changed", appended=False)


def _push_line(room_id: int, line_id: int, kind: str, *, appended: bool) -> None:
    """A chat line to its room: appended to the chat, or swapped in where it stands."""
    line = ChatMessage.objects.select_related("sender").filter(pk=line_id).first()
    if line is None:
        return
    if appended:
        html = chat_line_appended(line)
    else:
        html = render_to_string("messaging/_chat_line.html", {"line": line, "oob": True})
    broadcast.send_now(
        broadcast.room_group(room_id),
        broadcast.message(kind, html=html, data=line_data(line)),
    )


def chat_line_appended(line: ChatMessage) -> str:
    """A new line, appended to its room's chat wherever that chat is open."""
    return (
        f'<div hx-swap-oob="beforeend:#chat-lines-{line.room_id}">'
        + render_to_string("messaging/_chat_line.html", {"line": line})
        + "</div>"
    )


def line_data(line: ChatMessage) -> dict:
    """A line as the JSON socket tells it: a hidden one keeps its place, not its words."""
    hidden = line.hidden_at is not None
    return {
        "id": line.pk,
        "sender": line.sender.username,
        "body": "" if hidden else line.body,
        "hidden": hidden,
    }
