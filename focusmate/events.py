"""Typed domain events: what changed, published by services once their transaction commits.

Only services publish (`publish_on_commit`), so a rolled-back change announces nothing.
Each app declares its reactions in its own `subscriptions.py` with `@subscriber(EventType)`,
imported from its `AppConfig.ready`. Subscribers run after commit, in the publishing
thread, one after another; one that raises is logged and the others still run, and the
write that published stands.

Events carry ids and immutable values, never model instances, so a subscriber sees what
the service committed and nothing that was changed afterwards. The JSON API and the
pages' HTML are both built from them by subscribers.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction

if TYPE_CHECKING:  # types only: this module imports no app at run time
    from timers.engine import TimerSettings, TimerState

logger = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True, slots=True)
class Event:
    """The base of every domain event."""


# --- Rooms and their timers ---------------------------------------------------


@dataclass(frozen=True, kw_only=True, slots=True)
class TimerChanged(Event):
    """A room's timer was saved: a command, a phase that ended, new settings, a close.

    `at` is the instant the state was computed at (the command's one reading of the
    clock): what is shown of it (time left, the server's clock) is as of then. It is not
    part of the event's identity: the same version is the same change.
    """

    room_id: int
    version: int
    state: TimerState
    settings: TimerSettings
    at: datetime | None = field(default=None, compare=False)
    note: str = ""  # "Paused by alice": see timers.models.command_note
    # The scheduler must look at the deadlines again once this is delivered, after the
    # pushes (timers.subscriptions): set when a command or a look left the timer running,
    # and on the last change of a scheduler pass that left any running (one wake-up per
    # pass, not one per room). A resend or a settings change leaves it unset.
    wakes_scheduler: bool = field(default=False, compare=False)


@dataclass(frozen=True, kw_only=True, slots=True)
class PeopleChanged(Event):
    """These people of the room changed (intention, online or not)."""

    room_id: int
    user_ids: frozenset[int]


@dataclass(frozen=True, kw_only=True, slots=True)
class RoomJoined(Event):
    room_id: int
    user_id: int


@dataclass(frozen=True, kw_only=True, slots=True)
class RoomLeft(Event):
    """A member is no longer in the room (left, or removed by a ban)."""

    room_id: int
    user_id: int


@dataclass(frozen=True, kw_only=True, slots=True)
class RoomOpened(Event):
    """These people's first socket in the room opened (on some process) as of `at`: they
    have the room open, which is what a scheduled session's attendance counts."""

    room_id: int
    user_ids: frozenset[int]
    at: datetime


@dataclass(frozen=True, kw_only=True, slots=True)
class RoomClosed(Event):
    room_id: int


@dataclass(frozen=True, kw_only=True, slots=True)
class CamerasChanged(Event):
    """A camera in the room turned on or off, or its microphone did (video.services)."""

    room_id: int


@dataclass(frozen=True, kw_only=True, slots=True)
class SessionsRecorded(Event):
    """History rows were written for completed phases: one room's, or one scheduler pass's
    rooms' (one event for the pass, so that its achievement checks are queued once)."""

    room_ids: frozenset[int]
    user_ids: frozenset[int]
    # Those credited with a work phase (achievements count work, not breaks).
    work_user_ids: frozenset[int]


@dataclass(frozen=True, kw_only=True, slots=True)
class CheckedOut(Event):
    """A person answered "Did you do it?" for a work phase of a room (or changed the answer).

    `shown`: they let the room see their check-outs (their profile's setting).
    """

    room_id: int
    user_id: int
    seq: int
    outcome: str
    shown: bool


@dataclass(frozen=True, kw_only=True, slots=True)
class SeatsChanged(Event):
    """A seat in a scheduled session was taken or given back (scheduling.bookings): the
    open pages that show the session redraw its seats, and who is booked."""

    session_id: int
    room_id: int


# --- People ---------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True, slots=True)
class UserDeactivated(Event):
    """A moderator banned the user: their sockets close and they leave every room."""

    user_id: int


@dataclass(frozen=True, kw_only=True, slots=True)
class UserLoggedOut(Event):
    """A session ended: the sockets opened with it must stop acting for the user."""

    user_id: int
    session_key: str


@dataclass(frozen=True, kw_only=True, slots=True)
class TokensRevoked(Event):
    """API tokens stopped working (a logout, a refresh, a ban, the admin's delete): the
    sockets opened with them close."""

    token_ids: tuple[int, ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class UserWarned(Event):
    """A moderator warned the user; the inbox tells them."""

    user_id: int
    text: str


@dataclass(frozen=True, kw_only=True, slots=True)
class UserFollowed(Event):
    """`follower_id` now follows `followed_id`. `tell`: tell them (the first time ever,
    and only if they want to be told); the inbox does."""

    follower_id: int
    followed_id: int
    tell: bool = False


@dataclass(frozen=True, kw_only=True, slots=True)
class UserUnfollowed(Event):
    """The follow is gone: unfollowed, or removed by a block."""

    follower_id: int
    followed_id: int


@dataclass(frozen=True, kw_only=True, slots=True)
class FocusVisibilityChanged(Event):
    """Who may see `user_id` focusing changed: their followers' panels are redrawn."""

    user_id: int


@dataclass(frozen=True, kw_only=True, slots=True)
class AchievementsUnlocked(Event):
    user_id: int
    achievement_ids: tuple[int, ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class NotificationCreated(Event):
    user_id: int
    notification_id: int
    text: str
    url: str


# --- The community forum ------------------------------------------------------


@dataclass(frozen=True, kw_only=True, slots=True)
class PostPublished(Event):
    post_id: int
    author_id: int
    category_slug: str


@dataclass(frozen=True, kw_only=True, slots=True)
class CommentPosted(Event):
    comment_id: int
    post_id: int
    author_id: int


@dataclass(frozen=True, kw_only=True, slots=True)
class ContentLiked(Event):
    """Someone liked a post or comment of `author_id` (achievements count likes received)."""

    author_id: int
    liker_id: int


# --- Direct messages and room chat ----------------------------------------------------


@dataclass(frozen=True, kw_only=True, slots=True)
class MessageSent(Event):
    """A direct message was written; both people's open pages show it."""

    message_id: int
    conversation_id: int
    sender_id: int
    recipient_id: int


@dataclass(frozen=True, kw_only=True, slots=True)
class MessageEdited(Event):
    message_id: int
    conversation_id: int
    sender_id: int
    recipient_id: int


@dataclass(frozen=True, kw_only=True, slots=True)
class MessageDeleted(Event):
    """Deleted by its author, or hidden by a moderator: pages show it as gone."""

    message_id: int
    conversation_id: int
    sender_id: int
    recipient_id: int


@dataclass(frozen=True, kw_only=True, slots=True)
class ConversationRead(Event):
    """`user_id` has read the conversation up to `up_to`: their badge and inbox update."""

    conversation_id: int
    user_id: int
    up_to: int


@dataclass(frozen=True, kw_only=True, slots=True)
class ChatMessagePosted(Event):
    room_id: int
    chat_message_id: int


@dataclass(frozen=True, kw_only=True, slots=True)
class ChatMessageModerated(Event):
    """A moderator hid or restored a chat line: the room's open pages redraw it."""

    room_id: int
    chat_message_id: int


# --- Publishing -----------------------------------------------------------------

Subscriber = Callable[[Any], None]
_subscribers: defaultdict[type[Event], list[Subscriber]] = defaultdict(list)
_run_last: set[Subscriber] = set()


def subscriber(*event_types: type[Event], last: bool = False) -> Callable[[Subscriber], Subscriber]:
    """Registers the decorated function to run after commit for each of `event_types`.

    Subscribers run in the order they were registered, except that those marked `last`
    run after all the others: work that must not delay the pushes (the scheduler's
    wake-up), whatever order the apps load in.
    """

    def register(function: Subscriber) -> Subscriber:
        if last:
            _run_last.add(function)
        for event_type in event_types:
            functions = _subscribers[event_type]
            if function not in functions:
                functions.append(function)
            functions.sort(key=_run_last.__contains__)  # stable: registration order within
        return function

    return register


def subscribers_of(event_type: type[Event]) -> tuple[Subscriber, ...]:
    return tuple(_subscribers[event_type])


def publish_on_commit(event: Event) -> None:
    """Delivers `event` to its subscribers once the current transaction commits.

    Outside a transaction (autocommit) that is at once. A rollback drops it.
    """
    transaction.on_commit(lambda: deliver(event))


def deliver(event: Event) -> None:
    """Runs every subscriber of the event's type; a failing one is logged, not raised."""
    for function in _subscribers[type(event)]:
        try:
            function(event)
        except Exception:
            logger.exception(
                "subscriber %s.%s failed on %r", function.__module__, function.__qualname__, event
            )
