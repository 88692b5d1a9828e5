"""The people partials, rendered once per broadcast (they never depend on the viewer).

A person's status (focusing, on break, …) is not rendered per timer change: every
person carries all the labels and CSS shows the one that matches `#timer`'s state, so a
timer push stays small however many people are in the room. Presence and membership
changes push only the people that changed, plus the head count.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.template.loader import render_to_string

from rooms.models import Participant, Room
from rooms.queries import PEOPLE_SHOWN, people_in_room, shown_user_ids

ROOM_CLOSED_HTML = (
    '<div id="room-closed" hx-swap-oob="true"><div class="banner" role="alert">'
    "The owner closed this room.</div></div>"
)


@dataclass(frozen=True)
class Rendered:
    """One push: the HTML for pages and the same facts as JSON for other clients."""

    html: str
    data: dict


def person_data(p: Participant) -> dict:
    return {
        "user_id": p.user_id,
        "username": p.user.username,
        "intention": p.intention,
        "online": bool(p.online),
        # The goal of the work phase now (the intention, saved with the phase when it
        # ends), and the last work phase they checked out as done, if they show it.
        "goal": p.intention,
        "done_seq": getattr(p, "done_seq", None),
    }


def render_participants(room: Room, *, oob: bool = False) -> str:
    return render_to_string(
        "rooms/_participants.html", {"room": room, "people": people_in_room(room), "oob": oob}
    )


def render_people_changes(room: Room, *, user_ids: Iterable[int]) -> Rendered:
    """Out-of-band updates for these people (present ones replaced, departed ones removed).

    The page lists the first PEOPLE_SHOWN people and counts the rest, so the HTML carries
    only the changed people it shows, and the counts: a crowd arriving together is not
    pushed person by person to everyone (`data` still names them all).
    """
    user_ids = set(user_ids)
    present = {
        p.user_id: p
        for p in Participant.objects.present()
        .with_online()
        .with_checkout()
        .filter(room=room, user_id__in=user_ids)
        .select_related("user")
    }
    count = Participant.objects.present().filter(room=room).count()
    shown = shown_user_ids(room) if len(present) > 0 and count > PEOPLE_SHOWN else None
    parts = [_people_count(room, count)]
    for user_id in sorted(user_ids):
        if user_id in present and shown is not None and user_id not in shown:
            continue
        if user_id in present:
            parts.append(
                render_to_string(
                    "rooms/_person.html", {"p": present[user_id], "room": room, "oob": True}
                )
            )
        else:
            parts.append(f'<li id="person-{user_id}" hx-swap-oob="delete"></li>')
    data = {
        "room_id": room.pk,
        "count": count,
        # Like the HTML: the people a page shows (a client reads the rest on demand).
        "changed": [
            person_data(p) for p in present.values() if shown is None or p.user_id in shown
        ],
        "left": sorted(user_ids - set(present)),
    }
    return Rendered("".join(parts), data)


def render_person_joined(room: Room, *, user_id: int) -> Rendered | None:
    """Appends a newcomer to everyone's list, and updates the head count."""
    participant = (
        Participant.objects.present()
        .with_online()
        .with_checkout()
        .filter(room=room, user_id=user_id)
        .select_related("user")
    ).first()
    if participant is None:  # left again before this was sent
        return None
    count = Participant.objects.present().filter(room=room).count()
    html = _people_count(room, count)
    if count <= PEOPLE_SHOWN:  # beyond that, a newcomer is counted, not listed
        person = render_to_string(
            "rooms/_person.html", {"p": participant, "room": room, "oob": False}
        )
        html = f'<ul id="people" hx-swap-oob="beforeend">{person}</ul>' + html
    data = {"room_id": room.pk, "count": count, "changed": [person_data(participant)], "left": []}
    return Rendered(html, data)


def _people_count(room: Room, count: int) -> str:
    more = max(0, count - PEOPLE_SHOWN)
    return render_to_string(
        "rooms/_people_count.html", {"room": room, "count": count, "oob": True}
    ) + render_to_string("rooms/_people_more.html", {"more": more, "oob": True})
