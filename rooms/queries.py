"""Reads for the room pages, each a fixed number of queries whatever the data size."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from django.db.models import Count, FilteredRelation, Q, QuerySet, Window

from focusmate.lib.prepared import PreparedQuery
from rooms.models import Participant, Room


@dataclass(frozen=True)
class Viewing:
    """A room and the viewer's membership row (None if they never joined)."""

    room: Room
    participant: Participant | None

    @property
    def is_member(self) -> bool:
        return self.participant is not None and self.participant.is_present


def _room_with_membership(room_id: int, user_id: int | None, with_timer: bool):
    rooms = Room.objects.filter(pk=room_id).select_related(
        "owner", *(["timer"] if with_timer else [])
    )
    if user_id is not None:
        rooms = rooms.annotate(
            mine=FilteredRelation("participants", condition=Q(participants__user_id=user_id))
        ).select_related("mine")
    return rooms[:1]


# Every room page, timer partial, command and API read starts here: compiled once.
_rooms_with_membership = PreparedQuery(
    _room_with_membership, params={"room_id": int, "user_id": int}
)
_rooms_for_anonymous = PreparedQuery(
    partial(_room_with_membership, user_id=None), params={"room_id": int}
)


def room_for_viewer(*, room_id: int, user, with_timer: bool = False) -> Viewing | None:
    """The room with its owner and `user`'s membership, in one query; None if the room
    does not exist or `user` may not see it (`Room.is_visible_to`).

    `with_timer` reads the room's timer in the same query (`room.timer`)."""
    if user.is_authenticated:
        found = _rooms_with_membership.fetch(
            room_id=room_id, user_id=user.pk, with_timer=with_timer
        )
    else:
        found = _rooms_for_anonymous.fetch(room_id=room_id, with_timer=with_timer)
    if not found:
        return None
    room = found[0]
    participant = getattr(room, "mine", None)
    if participant is not None:
        participant.user, participant.room = user, room
    if not room.is_visible_to(user, participant):
        return None
    return Viewing(room=room, participant=participant)


# Every socket's connect reads this: in a crowd arriving, a thousand times at once.
_present_memberships = PreparedQuery(
    lambda room_id, user_id: (
        Participant.objects.present()
        .filter(room_id=room_id, user_id=user_id, room__is_active=True)
        .select_related("room", "room__timer")[:1]
    ),
    params={"room_id": int, "user_id": int},
)


def membership_with_timer(*, room_id: int, user) -> Participant | None:
    """`user`'s present membership of the open room, with the room and its timer, in one
    query (what a socket needs to connect and to send its snapshot); None if not a member."""
    if not (user.is_authenticated and user.is_active):
        return None
    found = _present_memberships.fetch(room_id=room_id, user_id=user.pk)
    if not found:
        return None
    found[0].user = user
    return found[0]


def _listed(search: str = "") -> QuerySet[Room]:
    """Which rooms the list shows: open, public, matching the search."""
    return Room.objects.active().public().search(search)


def rooms_for_list(*, search: str = "") -> QuerySet[Room]:
    return (
        _listed(search)
        .select_related("timer", "owner")
        .with_present_count()
        # -pk breaks ties: without it PostgreSQL may page equal rows inconsistently.
        .order_by("-present_count", "-created_at", "-pk")
    )


# The rooms page with no search, page by page: each page's SQL compiled once.
_unsearched_rooms = PreparedQuery(
    lambda start, stop: rooms_for_list()[start:stop],
    params={},
)


class _OpenRooms:
    """The open public rooms as a Paginator pages through them (no search)."""

    def count(self) -> int:
        # The list's rows, counted without its annotations' GROUP BY.
        return _listed().count()

    def __getitem__(self, window: slice) -> list[Room]:
        return _unsearched_rooms.fetch(start=window.start, stop=window.stop)


def rooms_to_page(*, search: str = "") -> QuerySet[Room] | _OpenRooms:
    """What the rooms page paginates: rooms_for_list(search=search)."""
    return rooms_for_list(search=search) if search.strip() else _OpenRooms()


# A room page lists this many people (online first) and counts the rest: nobody reads
# a list of a thousand, and rendering one for every arriving socket made a crowded room
# spend seconds per connection (see the benchmark in the README).
PEOPLE_SHOWN = 60


@dataclass(frozen=True)
class People:
    shown: list[Participant]
    count: int

    @property
    def more(self) -> int:
        return self.count - len(self.shown)


def shown_user_ids(room: Room) -> set[int]:
    """Who the room's people list shows (the first PEOPLE_SHOWN), in one query."""
    return set(
        Participant.objects.present()
        .filter(room=room)
        .with_online()
        .order_by("-online", "joined_at", "pk")
        .values_list("user_id", flat=True)[:PEOPLE_SHOWN]
    )


def people_in_room(room: Room) -> People:
    """The first PEOPLE_SHOWN people present and how many there are, in one query."""
    shown = list(
        Participant.objects.present()
        .filter(room=room)
        .select_related("user")
        .with_online()
        .with_checkout()
        .annotate(total=Window(Count("pk")))
        .order_by("-online", "joined_at", "pk")[:PEOPLE_SHOWN]
    )
    return People(shown=shown, count=shown[0].total if shown else 0)


def members_to_remove(*, room: Room) -> list[Participant]:
    """The members present in `room` besides its owner, with their user (the owner's
    settings page lists them with a Remove button). One query, at most PEOPLE_SHOWN."""
    return list(
        Participant.objects.present()
        .filter(room=room)
        .exclude(user_id=room.owner_id)
        .select_related("user")
        .order_by("user__username")[:PEOPLE_SHOWN]
    )
