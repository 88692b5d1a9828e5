"""The people part of a socket's snapshot, rendered once per room per process.

When a class of a thousand connects at once, every socket's snapshot would otherwise
render the same list of people. A process keeps the last rendering of each room's list
and serves it to the sockets that connect next, until anything about the room's people
reaches one of its sockets (every such group message bumps the room's generation).
Sockets that connect while a rendering is being made wait for that one instead of
making their own.

Which rendering may a socket use? Any change it will not be pushed was committed
before it joined the room's group, so a rendering started after it joined shows it
(and changes pushed to it later arrive after its snapshot: a consumer handles its
group messages once `connect` is done). A rendering started before it joined is used
only if no bump came since that rendering started (so it never hides a change from a
socket that joined the group after that change's push went out).

The timer part is rendered for each socket as of now, but a rendering of the same
timer version made within TIMER_REUSE_SECONDS is sent again: in a storm of 1000 the
timer partial was a sixth of the event loop's CPU, and the page takes the server's
clock from it, so a reused one may set a page's clock that much behind (a push to a
crowd arrives later than that anyway).

The first rule bounds the work: a socket waits for at most two renderings. With only
the second, a crowd connecting while its own arrivals were being pushed could render
the list again and again (each push bumped the rendering under way) and never finish:
on a busy machine a storm of 1000 took 30 s instead of 4, most of it rendering lists.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from timers.models import Timer

_generation: dict[int, int] = {}
_people_html: dict[int, tuple[int, str]] = {}


@dataclass
class _Flight:
    started: float
    generation: int
    done: asyncio.Future = field(default_factory=lambda: asyncio.get_running_loop().create_future())


_in_flight: dict[tuple[int, int], _Flight] = {}

TIMER_REUSE_SECONDS = 0.1
# (loop, room id) -> (what the rendering shows, when it was made, the HTML)
_timer_html: dict[tuple[int, int], tuple[Hashable, float, str]] = {}


def timer_html(timer: Timer, render: Callable[[], str]) -> str:
    """The timer's rendering as of now: `render()`, or one of the same version and
    settings made less than TIMER_REUSE_SECONDS ago."""
    key = (id(asyncio.get_running_loop()), timer.room_id)
    shows = (timer.version, timer.settings)
    now = time.monotonic()
    entry = _timer_html.get(key)
    if entry is not None and entry[0] == shows and now - entry[1] < TIMER_REUSE_SECONDS:
        return entry[2]
    html = render()
    _timer_html[key] = (shows, now, html)
    return html


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


def joined() -> float:
    """When a socket joined its room's group (call right after `group_add`)."""
    return time.monotonic()


async def people_html(
    room_id: int, render: Callable[[], Awaitable[str]], *, joined_at: float
) -> str:
    """The room's people list for a socket that joined the room's group at `joined_at`:
    kept, shared with a rendering under way, or new."""
    key = (id(asyncio.get_running_loop()), room_id)
    while True:
        html = kept(room_id)
        if html is not None:
            return html
        flight = _in_flight.get(key)
        if flight is None:
            return await _render(key, room_id, render)
        html = await asyncio.shield(flight.done)
        if flight.started >= joined_at or generation(room_id) == flight.generation:
            return html
        # It started before this socket joined, and a push came since: wait for a new one.


async def _render(key: tuple[int, int], room_id: int, render: Callable[[], Awaitable[str]]) -> str:
    flight = _Flight(started=time.monotonic(), generation=generation(room_id))
    _in_flight[key] = flight
    try:
        html = await render()
    except BaseException as error:
        flight.done.set_exception(error)
        flight.done.exception()  # retrieved: waiters re-raise it themselves
        raise
    finally:
        _in_flight.pop(key, None)
    flight.done.set_result(html)
    keep(room_id, flight.generation, html)
    return html
