"""Reads for the dashboard, each a fixed number of queries whatever the data size.

"Focusing now" means: present in an open room whose timer runs a work phase, with a
socket of theirs open in it (a fresh `Presence` row). One query finds it for one viewer
or for every follower a push goes to.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from accounts.models import Follow, User
from dashboard.access import focus_shown_to_viewer, room_named_to
from rooms.models import Participant, Room
from stats.queries import Period, period_summary
from stats.streaks import user_streaks
from timers.engine import Phase, Status

# A panel lists this many; more is counted ("and 12 more").
SHOWN = 30
LIVE_ROOMS_SHOWN = 8


def _focusing(participants: QuerySet[Participant]) -> QuerySet[Participant]:
    return (
        participants.present()
        .filter(
            room__is_active=True,
            room__timer__status=Status.RUNNING,
            room__timer__phase=Phase.WORK,
            user__is_active=True,
        )
        .with_online()
        .filter(online=True)
    )


@dataclass(frozen=True)
class Focusing:
    """A followed person focusing now, as one viewer may see it."""

    person: User
    room: Room
    room_named: bool
    ends_at: datetime | None
    intention: str  # shown only with the room's name: the room's page shows it too


@dataclass(frozen=True)
class FollowingPanel:
    viewer_id: int
    following_count: int
    focusing: list[Focusing]

    @property
    def shown(self) -> list[Focusing]:
        return self.focusing[:SHOWN]

    @property
    def more(self) -> int:
        return max(0, len(self.focusing) - SHOWN)


def following_panels(*, viewers: Iterable[User]) -> dict[int, FollowingPanel]:
    """Each viewer's Following panel, in three queries for any number of viewers: whom
    they follow and is focusing now (with the privacy rule), the viewers' memberships of
    those rooms (to name only rooms they may see), and how many they follow."""
    viewers = {viewer.pk: viewer for viewer in viewers}
    if not viewers:
        return {}
    rows = list(
        _focusing(Participant.objects.filter(user__followers__follower_id__in=viewers))
        .annotate(viewer_id=F("user__followers__follower_id"))
        .filter(focus_shown_to_viewer())
        .select_related("user", "room", "room__timer")
        .order_by("viewer_id", "user__username", "user_id", "-joined_at")
    )
    room_ids = {row.room_id for row in rows}
    memberships = {
        (m.room_id, m.user_id): m
        for m in Participant.objects.filter(room_id__in=room_ids, user_id__in=viewers)
    }
    counts = dict(
        Follow.objects.filter(follower_id__in=viewers, followed__is_active=True)
        .values("follower_id")
        .annotate(n=Count("pk"))
        .values_list("follower_id", "n")
    )
    focusing: dict[int, list[Focusing]] = defaultdict(list)
    seen: set[tuple[int, int]] = set()
    for row in rows:
        if (row.viewer_id, row.user_id) in seen:  # in two rooms: the latest joined
            continue
        seen.add((row.viewer_id, row.user_id))
        viewer = viewers[row.viewer_id]
        named = room_named_to(row.room, viewer, memberships.get((row.room_id, viewer.pk)))
        focusing[row.viewer_id].append(
            Focusing(
                person=row.user,
                room=row.room,
                room_named=named,
                ends_at=row.room.timer.ends_at,
                intention=row.intention if named else "",
            )
        )
    return {
        pk: FollowingPanel(viewer_id=pk, following_count=counts.get(pk, 0), focusing=focusing[pk])
        for pk in viewers
    }


def following_panel(*, viewer: User) -> FollowingPanel:
    return following_panels(viewers=[viewer])[viewer.pk]


def watchers_of(*, user_ids: Iterable[int]) -> QuerySet[User]:
    """The active people who follow any of `user_ids` (whose panels may change)."""
    return User.objects.filter(
        is_active=True,
        pk__in=Follow.objects.filter(followed_id__in=list(user_ids)).values("follower_id"),
    )


@dataclass(frozen=True)
class LiveRoom:
    room: Room
    focusing: int


def live_rooms() -> list[LiveRoom]:
    """The open public rooms (those every logged-in person may see, hence one list for
    everyone) where people are focusing now, busiest first, in one query."""
    cutoff = timezone.now() - timedelta(seconds=settings.PRESENCE_TTL_SECONDS)
    rooms = (
        Room.objects.active()
        .public()
        .filter(timer__status=Status.RUNNING, timer__phase=Phase.WORK)
        .annotate(
            focusing=Count(
                "presences__user",
                filter=Q(presences__seen_at__gte=cutoff),
                distinct=True,
            )
        )
        .filter(focusing__gt=0)
        .select_related("timer")
        .order_by("-focusing", "-pk")[:LIVE_ROOMS_SHOWN]
    )
    return [LiveRoom(room=room, focusing=room.focusing) for room in rooms]


@dataclass(frozen=True)
class Today:
    focus_seconds: int
    work_sessions: int
    streak: int
    goal: Participant | None  # today's intention, with its room

    @property
    def focus_minutes(self) -> int:
        return self.focus_seconds // 60


def todays_goal(*, user: User) -> Participant | None:
    """The goal they set: the intention in the room they joined last and are still in."""
    return (
        Participant.objects.present()
        .filter(user=user, room__is_active=True)
        .exclude(intention="")
        .select_related("room")
        .order_by("-joined_at", "-pk")
        .first()
    )


def today(*, user: User) -> Today:
    """Today's focus in their time zone, their streak and goal (three queries)."""
    local_today = timezone.localdate(timezone=user.tzinfo)
    totals = period_summary(user=user, period=Period.last(1, today=local_today)).totals
    return Today(
        focus_seconds=totals.focus_seconds,
        work_sessions=totals.work_sessions,
        streak=user_streaks(user=user).current,
        goal=todays_goal(user=user),
    )
