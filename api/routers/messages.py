"""Messages: 1:1 conversations, through the same services and queries as the pages.

Only the conversation's two people can read it, or move their own read state; anyone
else gets a 404 (a conversation is not confirmed to exist).
"""

from __future__ import annotations

from datetime import datetime

from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from accounts.models import User
from api.schemas import (
    ERRORS,
    MAX_BIG_ID,
    BigBodyId,
    BodyId,
    Id,
    In,
    Out,
    PathId,
    PersonOut,
    Text,
    either,
)
from messaging import queries, services
from messaging.models import MESSAGE_MAX_LENGTH, ConversationMember, Message

router = Router(tags=["Messages"])


class MessageOut(Out):
    # The original's fields
    id: Id
    conversation_id: Id
    sender_id: Id
    receiver_id: Id
    sender_username: str
    receiver_username: str
    content: str = Field(description="Our `body`.")
    is_read: bool = Field(description="The receiver has read up to it.")
    read_at: datetime | None = Field(
        description="Focus Mate keeps how far each person read, not when: always null."
    )
    created_at: datetime
    # Ours
    sender: PersonOut
    body: str = Field(description="Plain text; empty once deleted or hidden by a moderator.")
    edited_at: datetime | None
    deleted: bool


class SendIn(In):
    recipient_id: BodyId = either("recipient_id", "receiver_id")
    body: Text = either("body", "content", min_length=1, max_length=MESSAGE_MAX_LENGTH)


class LastMessageOut(Out):
    id: Id
    sender_id: Id
    first_line: str
    created_at: datetime


class ConversationOut(Out):
    # The original's fields
    id: Id
    other_user_id: Id
    other_user_username: str
    last_message: str | None = Field(description="The last message's first line.")
    last_message_at: datetime | None
    unread_count: int = Field(description="Your unread messages in it (counted up to 100).")
    # Ours
    other: PersonOut
    last_message_detail: LastMessageOut | None
    unread: int = Field(description="The same as `unread_count`.")
    last_activity_at: datetime


class ConversationPageOut(Out):
    # The original's fields
    conversation: ConversationOut
    messages: list[MessageOut] = Field(description="In order, oldest first.")
    # Ours
    id: Id
    other: PersonOut
    more: bool = Field(description="More messages in the asked direction.")
    read_up_to: Id = Field(description="Your read state: the last message id you read.")


class PageQuery(Schema):
    skip: int = Field(default=0, ge=0, le=100_000)
    limit: int = Field(default=20, ge=1, le=100)


class MessagesQuery(Schema):
    before: int | None = Field(default=None, ge=1, le=MAX_BIG_ID, description="Older ones.")
    after: int | None = Field(default=None, ge=0, le=MAX_BIG_ID, description="Newer ones.")


class ReadIn(In):
    """Moves your read state up to a message: the newest of `message_ids` (the
    original's way), or `up_to`, or by default the conversation's newest message."""

    message_ids: list[BigBodyId] | None = Field(default=None, max_length=1000)
    up_to: BigBodyId | None = Field(default=None)


class ReadOut(Out):
    # The original's fields
    marked_count: int = Field(description="Messages that became read.")
    conversation_id: Id
    new_unread_count: int = Field(description="Your unread messages in all conversations.")
    # Ours
    read_up_to: Id
    unread_total: int = Field(description="The same as `new_unread_count`.")


class UnreadOut(Out):
    unread_count: int
    unread: int = Field(description="The same as `unread_count`.")


def message_out(message: Message, *, receiver: User, receiver_read_up_to: int) -> dict:
    gone = message.deleted_at is not None or message.hidden_at is not None
    body = "" if gone else message.body
    return {
        "id": message.pk,
        "conversation_id": message.conversation_id,
        "sender_id": message.sender_id,
        "receiver_id": receiver.pk,
        "sender_username": message.sender.username,
        "receiver_username": receiver.username,
        "content": body,
        "is_read": message.pk <= receiver_read_up_to,
        "read_at": None,
        "created_at": message.created_at,
        "sender": {"id": message.sender_id, "username": message.sender.username},
        "body": body,
        "edited_at": message.edited_at,
        "deleted": message.deleted_at is not None,
    }


def conversation_out(member: ConversationMember) -> dict:
    """One inbox row (`queries.inbox_rows`: the other person, the last message, `unread`)."""
    last = member.conversation.last_message
    first_line = None
    if last is not None:
        first_line = "" if last.deleted_at or last.hidden_at else last.body.splitlines()[0][:140]
    other = {"id": member.other_id, "username": member.other.username}
    return {
        "id": member.conversation_id,
        "other_user_id": member.other_id,
        "other_user_username": member.other.username,
        "last_message": first_line,
        "last_message_at": last.created_at if last else None,
        "unread_count": member.unread,
        "other": other,
        "last_message_detail": None
        if last is None
        else {
            "id": last.pk,
            "sender_id": last.sender_id,
            "first_line": first_line,
            "created_at": last.created_at,
        },
        "unread": member.unread,
        "last_activity_at": member.last_activity_at,
    }


def _member(request: HttpRequest, conversation_id: int) -> ConversationMember:
    member = (
        ConversationMember.objects.filter(conversation_id=conversation_id, user=request.user)
        .select_related("conversation", "other")
        .first()
    )
    if member is None:
        raise Http404("No such conversation.")
    return member


@router.post("/send", response={201: MessageOut, **ERRORS})
def message_send(request: HttpRequest, payload: SendIn):
    """The first message to someone starts the conversation (one per pair)."""
    recipient = User.objects.filter(pk=payload.recipient_id, is_active=True).first()
    if recipient is None:
        raise Http404("No such person.")
    message = services.message_send(sender=request.user, recipient=recipient, body=payload.body)
    message.sender = request.user
    return Status(201, message_out(message, receiver=recipient, receiver_read_up_to=0))


@router.get("/conversations", response={200: list[ConversationOut], **ERRORS})
def conversation_list(request: HttpRequest, page: Query[PageQuery]):
    """Newest activity first; conversations with someone you blocked are left out."""
    ids = list(queries.inbox_order(user=request.user)[page.skip : page.skip + page.limit])
    return [conversation_out(member) for member in queries.inbox_rows(ids=ids)]


@router.get("/conversations/{conversation_id}", response={200: ConversationPageOut, **ERRORS})
def conversation_read(request: HttpRequest, conversation_id: PathId, window: Query[MessagesQuery]):
    """The last 30 messages, or those `before` an id, or up to 200 `after` one. Reading
    does not mark anything read: POST …/read does."""
    member = queries.inbox_rows(ids=[_member(request, conversation_id).pk]).get()
    other = member.other
    people = {request.user.pk: request.user, other.pk: other}
    messages, more = queries.messages_page(
        conversation=member.conversation, people=people, before=window.before, after=window.after
    )
    # Who received each message, and how far they read.
    read_by = {
        row.user_id: row.read_up_to
        for row in ConversationMember.objects.filter(conversation_id=member.conversation_id)
    }
    receiver_of = {request.user.pk: other, other.pk: request.user}
    return {
        "conversation": conversation_out(member),
        "messages": [
            message_out(
                message,
                receiver=receiver_of[message.sender_id],
                receiver_read_up_to=read_by[receiver_of[message.sender_id].pk],
            )
            for message in messages
        ],
        "id": member.conversation_id,
        "other": {"id": other.pk, "username": other.username},
        "more": more,
        "read_up_to": member.read_up_to,
    }


@router.post("/conversations/{conversation_id}/read", response={200: ReadOut, **ERRORS})
def conversation_mark_read(request: HttpRequest, conversation_id: PathId, payload: ReadIn):
    """Moves your own read state forward (never back)."""
    member = _member(request, conversation_id)
    if payload.message_ids is not None:
        up_to = max(payload.message_ids, default=0)
    else:
        up_to = payload.up_to or member.conversation.last_message_id or 0
    read_up_to = services.conversation_mark_read(
        conversation=member.conversation, user=request.user, up_to=up_to
    )
    marked = queries.unread_messages(
        conversation_id=member.conversation_id, reader_id=request.user.pk, after=member.read_up_to
    ).filter(id__lte=read_up_to)
    unread_total = queries.unread_total(user=request.user)
    return {
        "marked_count": marked.count(),
        "conversation_id": member.conversation_id,
        "new_unread_count": unread_total,
        "read_up_to": read_up_to,
        "unread_total": unread_total,
    }


@router.get("/unread-count", response={200: UnreadOut, **ERRORS})
def unread_count(request: HttpRequest):
    unread = queries.unread_total(user=request.user)
    return {"unread_count": unread, "unread": unread}
