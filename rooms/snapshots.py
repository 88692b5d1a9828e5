"""The people part of a socket's snapshot, rendered once per room per process.

When a class of a thousand connects at once, every socket's snapshot would otherwise
render the same list of people. A process keeps the last rendering of each room's list
and serves it to the sockets that connect next, until anything about the room's people
reaches one of its sockets (every such group message bumps the room's generation).

A rendering is kept only if no bump came while it was being made, so it never hides a
change from a socket that joined the group after that change's push went out; a change
after the rendering reaches every socket already in the group, including the new ones.
"""

from __future__ import annotations

_generation: dict[int, int] = {}
_people_html: dict[int, tuple[int, str]] = {}


def generation(room_id: int) -> int:
    return _generation.get(room_id, 0)


def bump(room_id: int) -> None:
    """Something about the room's people changed: drop the kept rendering."""
    _generation[room_id] = _generation.get(room_id, 0) + 1
    _people_html.pop(room_id, None)


def kept(room_id: int) -> str | None:
    entry = _people_html.get(room_id)
    if entry is None or entry[0] != generation(room_id):
        return None
    return entry[1]


def keep(room_id: int, made_at_generation: int, html: str) -> None:
    if made_at_generation == generation(room_id):
        _people_html[room_id] = (made_at_generation, html)
