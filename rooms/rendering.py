"""The people partials, rendered once per broadcast (they never depend on the viewer).

A person's status (focusing, on break, …) is not rendered per timer change: every
person carries all the labels and CSS shows the one that matches `#timer`'s state, so a
timer push stays small however many people are in the room. Presence and membership
changes push only the people that changed, plus the head count.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.template.loader import render_to_string

from rooms.models import Participant, Room
from rooms.queries import people_in_room


def render_participants(room: Room, *, oob: bool = False) -> str:
    return render_to_string(
        "rooms/_participants.html", {"room": room, "people": people_in_room(room), "oob": oob}
    )


def render_people_changes(room: Room, *, user_ids: Iterable[int]) -> str:
    """Out-of-band updates for these people (present ones replaced, departed ones removed)."""
    user_ids = set(user_ids)
    present = {
        p.user_id: p
        for p in Participant.objects.present()
        .filter(room=room, user_id__in=user_ids)
        .select_related("user")
    }
    parts = [_people_count(room)]
    for user_id in sorted(user_ids):
        if user_id in present:
            parts.append(
                render_to_string(
                    "rooms/_person.html", {"p": present[user_id], "room": room, "oob": True}
                )
            )
        else:
            parts.append(f'<li id="person-{user_id}" hx-swap-oob="delete"></li>')
    return "".join(parts)


def render_person_joined(room: Room, participant: Participant) -> str:
    """Appends a newcomer to everyone's list, and updates the head count."""
    person = render_to_string("rooms/_person.html", {"p": participant, "room": room, "oob": False})
    return f'<ul id="people" hx-swap-oob="beforeend">{person}</ul>' + _people_count(room)


def _people_count(room: Room) -> str:
    count = Participant.objects.present().filter(room=room).count()
    return render_to_string("rooms/_people_count.html", {"room": room, "count": count, "oob": True})
