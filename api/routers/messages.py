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
from api.schemas import ERRORS, MAX_ID, Out, PathId, Text
from messaging import queries, services
from messaging.models import MESSAGE_MAX_LENGTH, ConversationMember, Message

router = Router(tags=["Messages"])


class PersonOut(Out):
    id: int
    username: str


class MessageOut(Out):
    id: int
    conversation_id: int
    sender: PersonOut
    body: str = Field(description="Plain text; empty once deleted or hidden by a moderator.")
    created_at: datetime
    edited_at: datetime | None
    deleted: bool


class SendIn(Schema):
    recipient_id: int = Field(ge=1, le=MAX_ID)
    body: Text = Field(min_length=1, max_length=MESSAGE_MAX_LENGTH)


class LastMessageOut(Out):
    id: int
    sender_id: int
    first_line: str
    created_at: datetime


class ConversationOut(Out):
    id: int
    other: PersonOut
    last_message: LastMessageOut | None
    unread: int = Field(description="Your unread messages in it (counted up to 100).")
    last_activity_at: datetime


class ConversationPageOut(Out):
    id: int
    other: PersonOut
    messages: list[MessageOut] = Field(description="In order, oldest first.")
    more: bool = Field(description="More messages in the asked direction.")
    read_up_to: int = Field(description="Your read state: the last message id you read.")


class PageQuery(Schema):
    skip: int = Field(default=0, ge=0, le=100_000)
    limit: int = Field(default=20, ge=1, le=100)


class MessagesQuery(Schema):
    before: int | None = Field(default=None, ge=1, le=2**63 - 1, description="Older ones.")
    after: int | None = Field(default=None, ge=0, le=2**63 - 1, description="Newer ones.")


class ReadIn(Schema):
    up_to: int | None = Field(
        default=None, ge=1, le=2**63 - 1, description="Default: the newest message."
    )


class ReadOut(Out):
    read_up_to: int
    unread_total: int


class UnreadOut(Out):
    unread: int


def message_out(message: Message) -> dict:
    gone = message.deleted_at is not None or message.hidden_at is not None
    return {
        "id": message.pk,
        "conversation_id": message.conversation_id,
        "sender": {"id": message.sender_id, "username": message.sender.username},
        "body": "" if gone else message.body,
        "created_at": message.created_at,
        "edited_at": message.edited_at,
        "deleted": message.deleted_at is not None,
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
    return Status(201, message_out(message))


@router.get("/conversations", response={200: list[ConversationOut], **ERRORS})
def conversation_list(request: HttpRequest, page: Query[PageQuery]):
    """Newest activity first; conversations with someone you blocked are left out."""
    ids = list(queries.inbox_order(user=request.user)[page.skip : page.skip + page.limit])
    rows = queries.inbox_rows(ids=ids)
    answer = []
    for member in rows:
        last = member.conversation.last_message
        answer.append(
            {
                "id": member.conversation_id,
                "other": {"id": member.other_id, "username": member.other.username},
                "last_message": None
                if last is None
                else {
                    "id": last.pk,
                    "sender_id": last.sender_id,
                    "first_line": ""
                    if last.deleted_at or last.hidden_at
                    else last.body.splitlines()[0][:140],
                    "created_at": last.created_at,
                },
                "unread": member.unread,
                "last_activity_at": member.last_activity_at,
            }
        )
    return answer


@router.get("/conversations/{conversation_id}", response={200: ConversationPageOut, **ERRORS})
def conversation_read(request: HttpRequest, conversation_id: PathId, window: Query[MessagesQuery]):
    """The last 30 messages, or those `before` an id, or up to 200 `after` one. Reading
    does not mark anything read: POST …/read does."""
    member = _member(request, conversation_id)
    people = {request.user.pk: request.user, member.other_id: member.other}
    messages, more = queries.messages_page(
        conversation=member.conversation, people=people, before=window.before, after=window.after
    )
    return {
        "id": member.conversation_id,
        "other": {"id": member.other_id, "username": member.other.username},
        "messages": [message_out(message) for message in messages],
        "more": more,
        "read_up_to": member.read_up_to,
    }


@router.post("/conversations/{conversation_id}/read", response={200: ReadOut, **ERRORS})
def conversation_mark_read(request: HttpRequest, conversation_id: PathId, payload: ReadIn):
    """Moves your own read state forward (never back)."""
    member = _member(request, conversation_id)
    up_to = payload.up_to or member.conversation.last_message_id or 0
    read_up_to = services.conversation_mark_read(
        conversation=member.conversation, user=request.user, up_to=up_to
    )
    return {"read_up_to": read_up_to, "unread_total": queries.unread_total(user=request.user)}


@router.get("/unread-count", response={200: UnreadOut, **ERRORS})
def unread_count(request: HttpRequest):
    return {"unread": queries.unread_total(user=request.user)}
