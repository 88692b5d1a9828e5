"""Reads for the room pages, each a fixed number of queries whatever the data size."""

from __future__ import annotations

from django.db.models import QuerySet

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


def participants_for_room(room: Room) -> list[Participant]:
    return list(
        Participant.objects.present()
        .filter(room=room)
        .select_related("user")
        .order_by("-online_connections", "joined_at")
    )
