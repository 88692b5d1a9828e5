"""Presence at the socket layer: which sockets this process holds, pushed when it flips.

Each process keeps the room sockets it serves (weakly: a consumer that died without
`disconnect()` drops out once collected) and writes `Presence` rows through the
services: after a first socket of a person in a room or their last close, and every
PRESENCE_HEARTBEAT_SECONDS from what it really holds. The heartbeat also sweeps rows
that no process confirmed (a process that died), which announces who went offline.

Flips are coalesced: when a room fills up (a class starting together), every arrival
would otherwise be written on its own and pushed to everyone already there. A per-room
task waits PRESENCE_COALESCE_SECONDS, then writes the changed people's rows together
(`presence_write`, which publishes `PeopleChanged`: rooms.subscriptions renders them
once for the whole room and pushes them): a socket's connect waits for neither.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import secrets
import socket
import weakref

from channels.db import database_sync_to_async
from django.conf import settings
from django.db import close_old_connections

from focusmate.lib import gcpause
from rooms import services

logger = logging.getLogger(__name__)

# This process, as its presence rows name it.
PROCESS_ID = f"{socket.gethostname()[:40]}-{os.getpid()}-{secrets.token_hex(4)}"

# (room id, user id) -> the consumers of this process holding such a socket.
_held: dict[tuple[int, int], weakref.WeakSet] = {}
# Keyed by event loop as well: tests run one loop each, a server one for its life.
_pending: dict[tuple[int, int], set[int]] = {}
_flushing: dict[tuple[int, int], asyncio.Task] = {}
_heartbeats: dict[int, asyncio.Task] = {}


def holding() -> set[tuple[int, int]]:
    """The (room id, user id) pairs this process has a live socket for."""
    for key in [key for key, consumers in _held.items() if not consumers]:
        _held.pop(key, None)
    return set(_held)


def arrive(consumer, *, room_id: int, user_id: int) -> None:
    """A socket of the user opened in the room (call once it is accepted)."""
    key = (room_id, user_id)
    consumers = _held.setdefault(key, weakref.WeakSet())
    first_here = not consumers
    consumers.add(consumer)
    _ensure_heartbeat()
    if first_here:
        changed(room_id=room_id, user_id=user_id)


def depart(consumer, *, room_id: int, user_id: int) -> None:
    key = (room_id, user_id)
    consumers = _held.get(key)
    if consumers is None:
        return
    consumers.discard(consumer)
    if consumers:
        return
    _held.pop(key, None)
    changed(room_id=room_id, user_id=user_id)


def changed(*, room_id: int, user_id: int) -> None:
    """The user's first socket in the room opened here, or their last closed: written
    and pushed with the others of the next PRESENCE_COALESCE_SECONDS."""
    key = (id(asyncio.get_running_loop()), room_id)
    _pending.setdefault(key, set()).add(user_id)
    if key not in _flushing:
        _flushing[key] = asyncio.create_task(_flush_later(key, room_id))


async def written() -> None:
    """Waits until the changes this loop made so far are written and pushed."""
    loop_id = id(asyncio.get_running_loop())
    while tasks := [task for (loop, _), task in _flushing.items() if loop == loop_id]:
        await asyncio.gather(*tasks, return_exceptions=True)


@database_sync_to_async
def _write(room_id: int, here: set[int], gone: set[int]) -> None:
    """Writes the rows; the service's `PeopleChanged` is pushed before this returns."""
    services.presence_write(process=PROCESS_ID, room_id=room_id, here=here, gone=gone)


async def _flush_later(key: tuple[int, int], room_id: int) -> None:
    """Writes and pushes the room's changed people, a round at a time: changes made while
    a round is written wait for the next, so rounds never overtake each other."""
    try:
        while key in _pending:
            await asyncio.sleep(settings.PRESENCE_COALESCE_SECONDS)
            user_ids = _pending.pop(key, set())
            # Who is here is decided now, on the loop: the thread only writes it.
            here = {user_id for user_id in user_ids if _held.get((room_id, user_id))}
            try:
                await _write(room_id, here, user_ids - here)
            except Exception:
                # The database is down (a failed push is logged where it is sent): the
                # heartbeat writes presence again from what this process holds, and the
                # pages get people again when it returns (the layer watcher's resync, or
                # the next arrival), so log and move on.
                logger.warning("people push for room %s failed", room_id, exc_info=True)
    finally:
        _flushing.pop(key, None)


_collection_put_off = False


def _beat() -> None:
    global _collection_put_off
    close_old_connections()
    # Consumers that died without disconnect() leave the weak sets once collected; not
    # while the timer scheduler's pushes are going out (focusmate/lib/gcpause.py).
    # Put off at most once in a row: with deadlines every second (a soak's 200 rooms),
    # collections were held at nearly every beat and the process grew.
    if _collection_put_off:
        gc.collect()
        _collection_put_off = False
    else:
        _collection_put_off = not gcpause.collect()
    services.presence_heartbeat(process=PROCESS_ID, holding=holding())
    services.presence_expire()


async def heartbeat_forever() -> None:
    while True:
        await asyncio.sleep(settings.PRESENCE_HEARTBEAT_SECONDS)
        try:
            await database_sync_to_async(_beat)()
        except Exception:
            logger.exception("presence heartbeat failed; retrying")


def _ensure_heartbeat() -> None:
    loop = asyncio.get_running_loop()
    task = _heartbeats.get(id(loop))
    if task is None or task.done():
        _heartbeats[id(loop)] = loop.create_task(heartbeat_forever(), name="presence-heartbeat")


async def stop_heartbeat() -> None:
    """For tests and shutdown: ends this loop's heartbeat task."""
    task = _heartbeats.pop(id(asyncio.get_running_loop()), None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
