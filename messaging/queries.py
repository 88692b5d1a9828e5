"""Reads for the inbox's screens, each a fixed number of queries whatever the data size."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, F, Func, IntegerField, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from accounts.models import User
from accounts.queries import blocked_ids
from messaging.models import ChatMessage, Conversation, ConversationMember, Message, Notification
from rooms.models import Participant, Room
from timers.engine import Phase, Status, TimerState
from timers.models import Timer

# --- Notifications ----------------------------------------------------------------------


def notifications_recent(*, user: User, limit: int = 50) -> list[Notification]:
    return list(Notification.objects.filter(user=user)[:limit])


def notifications_unread_count(*, user: User) -> int:
    return Notification.objects.filter(user=user).unread().count()


# --- Direct messages --------------------------------------------------------------------

PAGE_MESSAGES = 30
# A reconnecting page asks again while the answer is full.
AFTER_BATCH = 200


def share_a_room(a: User, b: User) -> bool:
    """Are both present members of one open room now? (The "shared room" privacy rule.)"""
    return (
        Participant.objects.present()
        .filter(
            user=a,
            room__is_active=True,
            room__participants__user=b,
            room__participants__left_at__isnull=True,
        )
        .exists()
    )


# Counts stop here and show as "99+": a conversation with 50,000 unread messages costs
# no more to list than one with 100 (below the cap every count is exact).
UNREAD_CAP = 100


class _CountOf(Func):
    """COUNT(*) over a (limited) subquery."""

    template = "(SELECT COUNT(*) FROM %(expressions)s AS capped)"
    output_field = IntegerField()


def unread_messages(*, conversation_id, reader_id, after) -> QuerySet[Message]:
    """What counts as unread for `reader`: messages from the other person above `after`
    (their read state), not deleted or hidden. (Values or `OuterRef`s.)"""
    return Message.objects.filter(
        conversation_id=conversation_id,
        id__gt=after,
        deleted_at__isnull=True,
        hidden_at__isnull=True,
    ).exclude(sender_id=reader_id)


def _unread_in() -> Func:
    """A member's unread messages, counted up to UNREAD_CAP (an annotation)."""
    unread = unread_messages(
        conversation_id=OuterRef("conversation_id"),
        reader_id=OuterRef("user_id"),
        after=OuterRef("read_up_to"),
    )
    return _CountOf(Subquery(unread.order_by().values("id")[:UNREAD_CAP]))


def inbox(*, user: User) -> QuerySet[ConversationMember]:
    """The user's conversations, newest activity first, with the other person, the last
    message and `unread`; those with someone the user blocked are left out.

    For a page of it, slice `inbox_order` and pass the ids to `inbox_rows`: the joins and
    counts then run for that page's rows only, not for every row an OFFSET skips.
    """
    return inbox_rows(ids=inbox_order(user=user))


def inbox_order(*, user: User) -> QuerySet:
    """The ids of the user's inbox, in its order (one index scan; what a pager slices)."""
    return (
        ConversationMember.objects.filter(user=user)
        .exclude(other_id__in=blocked_ids(user=user))
        .order_by("-last_activity_at", "-id")
        .values_list("id", flat=True)
    )


def inbox_rows(*, ids) -> QuerySet[ConversationMember]:
    """The rows for `ids` with what the inbox shows, newest activity first."""
    return (
        ConversationMember.objects.filter(id__in=ids)
        .select_related("other", "conversation__last_message")
        .annotate(unread=_unread_in())
        .order_by("-last_activity_at", "-id")
    )


def _unread_members(user: User) -> QuerySet[ConversationMember]:
    """The user's (not blocked) conversations with unread messages, each with `unread`."""
    return (
        ConversationMember.objects.filter(
            user=user, conversation__last_message_id__gt=F("read_up_to")
        )
        .exclude(other_id__in=blocked_ids(user=user))
        .annotate(unread=_unread_in())
    )


def unread_total(*, user: User) -> int:
    """The nav badge: unread messages across the user's (not blocked) conversations.

    Only conversations whose newest message is past the read state are counted one by
    one, so a user with thousands of quiet conversations costs one index scan.
    """
    total = _unread_members(user).aggregate(total=Sum("unread"))["total"]
    return total or 0


def nav_counts(*, user: User) -> tuple[int, int]:
    """The nav's two badges in one query: (unread notifications, unread messages), each
    counted as `notifications_unread_count` and `unread_total` count it."""
    notifications = (
        Notification.objects.filter(user=user)
        .unread()
        .order_by()
        .values("user_id")
        .annotate(count=Count("pk"))
        .values("count")
    )
    messages = (
        _unread_members(user).order_by().values("user_id").annotate(total=Sum("unread"))
    ).values("total")
    return (
        User.objects.filter(pk=user.pk)
        .values_list(Coalesce(Subquery(notifications), 0), Coalesce(Subquery(messages), 0))
        .get()
    )


def member_for(*, user: User, other: User) -> ConversationMember | None:
    """`user`'s side of their conversation with `other`, with the conversation; or None."""
    low, high = sorted((user.pk, other.pk))
    return (
        ConversationMember.objects.filter(
            user=user, conversation__user_low_id=low, conversation__user_high_id=high
        )
        .select_related("conversation")
        .first()
    )


def _with_senders(messages: list[Message], conversation: Conversation, people: dict) -> list:
    for message in messages:
        message.sender = people[message.sender_id]
        message.conversation = conversation
    return messages


def messages_page(
    *,
    conversation: Conversation,
    people: dict[int, User],
    before: int | None = None,
    after: int | None = None,
) -> tuple[list[Message], bool]:
    """Messages in id order and whether there are more in the asked direction.

    The last PAGE_MESSAGES (or those before `before`); with `after`, up to AFTER_BATCH
    after it. `people` maps both members' ids to users, so senders cost no query.
    """
    rows = Message.objects.filter(conversation=conversation)
    if after is not None:
        found = list(rows.filter(id__gt=after).order_by("id")[: AFTER_BATCH + 1])
        return _with_senders(found[:AFTER_BATCH], conversation, people), len(found) > AFTER_BATCH
    if before is not None:
        rows = rows.filter(id__lt=before)
    found = list(rows.order_by("-id")[: PAGE_MESSAGES + 1])
    more = len(found) > PAGE_MESSAGES
    return _with_senders(list(reversed(found[:PAGE_MESSAGES])), conversation, people), more


def message_for_member(*, message_id: int, user: User) -> Message | None:
    """The message if `user` is one of its conversation's two people (else None: a 404)."""
    message = Message.objects.filter(pk=message_id).select_related("conversation", "sender").first()
    if message is None or not message.conversation.has_member(user.pk):
        return None
    return message


def message_neighbours(*, message: Message, around: int = 3) -> list[Message]:
    """The reported message and a few on each side, for moderators (nothing else)."""
    rows = Message.objects.filter(conversation_id=message.conversation_id).select_related("sender")
    before = list(rows.filter(id__lt=message.pk).order_by("-id")[:around])
    after = list(rows.filter(id__gt=message.pk).order_by("id")[:around])
    return [*reversed(before), message, *after]


# --- Room chat --------------------------------------------------------------------------

CHAT_PAGE = 50


CHAT_CLOSED_DURING_WORK = "Chat opens at the next break: the owner keeps work phases quiet."


def chat_closed_in(*, chat_during_work: str, state: TimerState) -> str:
    """Why the chat box is closed in this timer state ("" when open)."""
    if chat_during_work != Room.Chat.BREAKS_ONLY:
        return ""
    if state.status is not Status.IDLE and state.phase is Phase.WORK:
        return CHAT_CLOSED_DURING_WORK
    return ""


def chat_closed_reason(*, room: Room, timer: Timer, now: datetime) -> str:
    """Why the room's chat box is closed now: a breaks-only room during a work phase."""
    state, _ = timer.state_at(now)
    return chat_closed_in(chat_during_work=room.chat_during_work, state=state)


def chat_lines(
    *, room: Room, before: int | None = None, after: int | None = None
) -> tuple[list[ChatMessage], bool]:
    """The room's chat lines in id order, like `messages_page` (CHAT_PAGE at a time)."""
    rows = ChatMessage.objects.filter(room=room).select_related("sender")
    if after is not None:
        found = list(rows.filter(id__gt=after).order_by("id")[: AFTER_BATCH + 1])
        return found[:AFTER_BATCH], len(found) > AFTER_BATCH
    if before is not None:
        rows = rows.filter(id__lt=before)
    found = list(rows.order_by("-id")[: CHAT_PAGE + 1])
    return list(reversed(found[:CHAT_PAGE])), len(found) > CHAT_PAGE


def chat_line_for_member(*, line_id: int, user: User) -> ChatMessage | None:
    """The chat line if `user` is present in its room now (else None: a 404)."""
    line = ChatMessage.objects.filter(pk=line_id).select_related("room", "sender").first()
    if line is None or not user.is_authenticated:
        return None
    if not Participant.objects.present().filter(room_id=line.room_id, user=user).exists():
        return None
    return line


def chat_neighbours(*, line: ChatMessage, around: int = 3) -> list[ChatMessage]:
    rows = ChatMessage.objects.filter(room_id=line.room_id).select_related("sender")
    before = list(rows.filter(id__lt=line.pk).order_by("-id")[:around])
    after = list(rows.filter(id__gt=line.pk).order_by("id")[:around])
    return [*reversed(before), line, *after]
