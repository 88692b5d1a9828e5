"""The dashboard's reactions: every part of an open dashboard is redrawn by the events
that change it, never by polling.

- `TimerChanged`, `RoomClosed`: the Following panel of whoever follows someone in the
  room; the live rooms.
- `PeopleChanged` (an intention, someone online or not), `RoomJoined`, `RoomLeft`: the
  same for those people, and their own Today (the goal).
- `SessionsRecorded`: Today (minutes, streak) of those credited.
- `UserFollowed`, `UserUnfollowed`: both people's Following panels; the first follow
  ever tells the followed person in the bell.
- `FocusVisibilityChanged`: the Following panels of that person's followers.

A Following panel depends on who looks (the privacy rule, which rooms they may see), so
it is rendered once per person it goes to, for all of them in a fixed number of queries
(`dashboard.queries.following_panels`); only people with a dashboard open are rendered
for (`dashboard.watching`). The live rooms are the same for everyone: rendered once,
sent once to every open dashboard.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from accounts.models import Follow, User
from dashboard.groups import ALL_DASHBOARDS, dashboard_group
from dashboard.queries import following_panels, live_rooms, today
from dashboard.rendering import render_following, render_live_rooms, render_today
from dashboard.watching import anyone, watching
from focusmate.events import (
    FocusVisibilityChanged,
    PeopleChanged,
    RoomClosed,
    RoomJoined,
    RoomLeft,
    SessionsRecorded,
    TimerChanged,
    UserFollowed,
    UserUnfollowed,
    subscriber,
)
from focusmate.lib import broadcast
from messaging.services import notify
from rooms.models import Participant, Room


def _send(user_id: int, html: str) -> None:
    broadcast.send_now(dashboard_group(user_id), broadcast.message("dashboard.changed", html=html))


def push_following(*, people=None, viewers: Iterable[int] = ()) -> None:
    """Redraws the Following panel of `viewers` and of everyone who follows any of
    `people` (ids, or a subquery of ids), for those with a dashboard open. Four queries
    whatever their number: the viewers, then `following_panels`' three."""
    wanted = Q(pk__in=list(viewers))
    if people is not None:
        wanted |= Q(pk__in=Follow.objects.filter(followed_id__in=people).values("follower_id"))
    candidates = list(User.objects.filter(wanted, is_active=True))
    open_ids = watching(user.pk for user in candidates)
    readers = [user for user in candidates if user.pk in open_ids]
    panels = following_panels(viewers=readers)
    with broadcast.batched():  # one crossing to the event loop for all of them
        for reader in readers:
            _send(reader.pk, render_following(panels[reader.pk], viewer=reader, oob=True))


def push_today(*, user_ids: Iterable[int]) -> None:
    """Redraws Today for those of `user_ids` with a dashboard open (three queries each)."""
    open_ids = watching(user_ids)
    for user in User.objects.filter(pk__in=open_ids, is_active=True):
        _send(user.pk, render_today(today(user=user), oob=True))


def push_live_rooms() -> None:
    html = render_live_rooms(live_rooms(), oob=True)
    broadcast.send_now(ALL_DASHBOARDS, broadcast.message("dashboard.changed", html=html))


def _in_room(room_id: int):
    return Participant.objects.present().filter(room_id=room_id).values("user_id")


def _open_to_all(room_id: int) -> bool:
    return Room.objects.active().public().filter(pk=room_id).exists()


@subscriber(TimerChanged, RoomClosed)
def room_changed(event: TimerChanged | RoomClosed) -> None:
    if not anyone():
        return
    # Anyone in the room may have started or stopped focusing; a settings change (made
    # public or private) goes through TimerChanged too, so the live list is redrawn.
    push_following(people=_in_room(event.room_id))
    push_live_rooms()


@subscriber(PeopleChanged)
def people_changed(event: PeopleChanged) -> None:
    if not anyone():
        return
    push_following(people=list(event.user_ids))
    push_today(user_ids=event.user_ids)
    if _open_to_all(event.room_id):
        push_live_rooms()


@subscriber(RoomJoined, RoomLeft)
def membership_changed(event: RoomJoined | RoomLeft) -> None:
    if not anyone():
        return
    # The person's own panel too: joining a private room may name it to them.
    push_following(people=[event.user_id], viewers=[event.user_id])
    push_today(user_ids=[event.user_id])
    if _open_to_all(event.room_id):
        push_live_rooms()


@subscriber(SessionsRecorded)
def sessions_recorded(event: SessionsRecorded) -> None:
    if not anyone():
        return
    push_today(user_ids=event.work_user_ids)


@subscriber(UserFollowed, UserUnfollowed)
def follow_changed(event: UserFollowed | UserUnfollowed) -> None:
    if not anyone():
        return
    # The follower's list changed; the followed person's too when their focusing is
    # shown only to people they follow back.
    push_following(viewers=[event.follower_id, event.followed_id])


@subscriber(UserFollowed)
def tell_the_followed(event: UserFollowed) -> None:
    if not event.tell:
        return
    people = User.objects.in_bulk([event.follower_id, event.followed_id])
    follower, followed = people.get(event.follower_id), people.get(event.followed_id)
    if follower is None or followed is None or not followed.is_active:
        return
    notify(
        user=followed,
        text=f"@{follower.username} follows you: they see on their home page when you focus.",
        url=follower.get_absolute_url(),
    )


@subscriber(FocusVisibilityChanged)
def visibility_changed(event: FocusVisibilityChanged) -> None:
    if not anyone():
        return
    push_following(people=[event.user_id])
