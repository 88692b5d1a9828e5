"""The user's current value of each requirement type, one query per source.

A source is a function that returns the values of one or more requirement types for a
user (the session totals give both work sessions and focus minutes in one aggregate).
Only the sources that a pending achievement needs are asked, so a check costs at most
one query per source, never one per achievement.

The social sources count the forum's rows (achievements sit above `community` in the
app graph, so they read its models like any other source's).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from accounts.models import User
from achievements.models import Achievement
from community.models import Comment, CommentLike, Post, PostLike
from rooms.models import Participant
from stats.queries import all_time_work
from stats.streaks import user_streaks

Requirement = Achievement.Requirement
Counter = Callable[[User], Mapping[str, int]]


def _session_totals(user: User) -> dict[str, int]:
    focus_seconds, work_sessions = all_time_work(user=user)
    return {
        Requirement.WORK_SESSIONS: work_sessions,
        Requirement.FOCUS_MINUTES: focus_seconds // 60,
    }


def _streak_days(user: User) -> dict[str, int]:
    # The longest streak, so a broken streak never takes back what it earned.
    return {Requirement.STREAK_DAYS: user_streaks(user=user).longest}


def _rooms_joined(user: User) -> dict[str, int]:
    # A Participant row outlives leaving the room and is unique per (room, user).
    return {Requirement.ROOMS_JOINED: Participant.objects.filter(user=user).count()}


def _posts(user: User) -> dict[str, int]:
    return {Requirement.COMMUNITY_POSTS: Post.objects.filter(author=user).count()}


def _comments(user: User) -> dict[str, int]:
    count = Comment.objects.filter(author=user, deleted_at__isnull=True).count()
    return {Requirement.COMMUNITY_COMMENTS: count}


def _likes_received(user: User) -> dict[str, int]:
    # Likes on their posts and on their comments, counted in one query.
    on_posts = PostLike.objects.filter(post__author=user).values("pk")
    on_comments = CommentLike.objects.filter(comment__author=user).values("pk")
    return {Requirement.LIKES_RECEIVED: on_posts.union(on_comments, all=True).count()}


_SOURCES: dict[tuple[str, ...], Counter] = {
    (Requirement.WORK_SESSIONS, Requirement.FOCUS_MINUTES): _session_totals,
    (Requirement.STREAK_DAYS,): _streak_days,
    (Requirement.ROOMS_JOINED,): _rooms_joined,
    (Requirement.COMMUNITY_POSTS,): _posts,
    (Requirement.COMMUNITY_COMMENTS,): _comments,
    (Requirement.LIKES_RECEIVED,): _likes_received,
}


def register_counter(requirements: tuple[str, ...], counter: Counter) -> Counter:
    """Makes `counter` the source of `requirements`; returns the one it replaces.

    `counter(user)` must return a value for each of `requirements` in a bounded number
    of queries. Tests stand in a source with it, and put the returned one back.
    """
    if requirements not in _SOURCES:
        raise KeyError(f"No source provides exactly {requirements!r}.")
    previous = _SOURCES[requirements]
    _SOURCES[requirements] = counter
    return previous


def requirement_values(*, user: User, requirements: Iterable[str]) -> dict[str, int]:
    """The user's current values of `requirements` (one query per source needed)."""
    wanted = set(requirements)
    values: dict[str, int] = {}
    for provides, counter in _SOURCES.items():
        if wanted.intersection(provides):
            values.update(counter(user))
    return values
