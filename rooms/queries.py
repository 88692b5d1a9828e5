"""Reads for the room pages, each a fixed number of queries whatever the data size."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, QuerySet, Window

from rooms.models import Participant, Room


def rooms_for_list(*, search: str = "") -> QuerySet[Room]:
    return (
        Room.objects.active()
        .public()
        .search(search)
        .select_related("timer", "owner")
        .with_present_count()
        # -pk breaks ties: without it PostgreSQL may page equal rows inconsistently.
        .order_by("-present_count", "-created_at", "-pk")
    )


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


def people_in_room(room: Room) -> People:
    """The first PEOPLE_SHOWN people present and how many there are, in one query."""
    shown = list(
        Participant.objects.present()
        .filter(room=room)
        .select_related("user")
        .annotate(total=Window(Count("pk")))
        .order_by("-online_connections", "joined_at", "pk")[:PEOPLE_SHOWN]
    )
    return People(shown=shown, count=shown[0].total if shown else 0)
