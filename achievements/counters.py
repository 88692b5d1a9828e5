"""The user's current value of each requirement type, one query per source.

A source is a function that returns the values of one or more requirement types for a
user (the session totals give both work sessions and focus minutes in one aggregate).
Only the sources that a pending achievement needs are asked, so a check costs at most
one query per source, never one per achievement.

The social sources count rows of the `community` app. Until it is installed they count
zero without a query. The community app may replace them with `register_counter` (in its
`AppConfig.ready`) if its models differ from the names assumed here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from django.apps import apps

from accounts.models import User
from achievements.models import Achievement
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


def _community_count(requirement: str, model_name: str, user_field: str) -> Counter:
    """Counts `community.<model_name>` rows whose `user_field` is the user."""

    def count(user: User) -> dict[str, int]:
        if not apps.is_installed("community"):
            return {requirement: 0}
        model = apps.get_model("community", model_name)
        return {requirement: model.objects.filter(**{user_field: user}).count()}

    return count


_SOURCES: dict[tuple[str, ...], Counter] = {
    (Requirement.WORK_SESSIONS, Requirement.FOCUS_MINUTES): _session_totals,
    (Requirement.STREAK_DAYS,): _streak_days,
    (Requirement.ROOMS_JOINED,): _rooms_joined,
    (Requirement.COMMUNITY_POSTS,): _community_count(Requirement.COMMUNITY_POSTS, "Post", "author"),
    (Requirement.COMMUNITY_COMMENTS,): _community_count(
        Requirement.COMMUNITY_COMMENTS, "Comment", "author"
    ),
    (Requirement.LIKES_RECEIVED,): _community_count(
        Requirement.LIKES_RECEIVED, "Like", "post__author"
    ),
}


def register_counter(requirements: tuple[str, ...], counter: Counter) -> Counter:
    """Makes `counter` the source of `requirements`; returns the one it replaces.

    `counter(user)` must return a value for each of `requirements` in a bounded number
    of queries. Tests use the returned counter to restore the original.
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
