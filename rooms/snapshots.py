"""The people part of a socket's snapshot, rendered once per room per process.

When a class of a thousand connects at once, every socket's snapshot would otherwise
render the same list of people. A process keeps the last rendering of each room's list
and serves it to the sockets that connect next, until anything about the room's people
reaches one of its sockets (every such group message bumps the room's generation).
Sockets that connect while a rendering is being made wait for that one instead of
making their own.

A rendering is used only if no bump came while it was being made, so it never hides a
change from a socket that joined the group after that change's push went out; a change
after the rendering reaches every socket already in the group, including the new ones.
Except for a rendering begun after the socket joined the group: that one read every
change pushed before the join, and a push after the join reaches the socket after its
snapshot (a consumer handles one message at a time), so it is used whatever came
meanwhile. Without that, while a crowd arrives, a people push every half second made
each connecting socket render again and again: 40 s for 1000 sockets instead of 4.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

_generation: dict[int, int] = {}
_people_html: dict[int, tuple[int, str]] = {}
# A rendering under way, and when it began (time.monotonic()).
_in_flight: dict[tuple[int, int, int], tuple[asyncio.Future, float]] = {}


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


async def people_html(
    room_id: int, render: Callable[[], Awaitable[str]], *, joined_at: float
) -> str:
    """The room's people list as of now: kept, shared with a rendering under way, or new.

    `joined_at` is when the socket joined the room's group (time.monotonic()).
    """
    while True:
        made_at = generation(room_id)
        html = kept(room_id)
        if html is not None:
            return html
        key = (id(asyncio.get_running_loop()), room_id, made_at)
        entry = _in_flight.get(key)
        if entry is None:
            flight, began = asyncio.get_running_loop().create_future(), time.monotonic()
            _in_flight[key] = (flight, began)
            try:
                html = await render()
            except BaseException as error:
                flight.set_exception(error)
                flight.exception()  # retrieved: waiters re-raise it themselves
                raise
            finally:
                _in_flight.pop(key, None)
            flight.set_result(html)
            keep(room_id, made_at, html)
        else:
            flight, began = entry
            html = await asyncio.shield(flight)
        if generation(room_id) == made_at or began >= joined_at:
            return html
        # A push came while it was being made: this socket may have missed it. Again.
