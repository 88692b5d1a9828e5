"""Group names and the one way subscribers send to them.

A group message is named after its event (`timer.changed` reaches a consumer's
`timer_changed`) and carries `html`, rendered once for the whole group, and `data`,
the JSON-ready state for clients that are not a page. Subscribers send after commit
(see focusmate.events); services never send.

The batching (`batched()`), part of the performance kit. What it replaces: one send per
group, each crossing from the sending thread to the event loop (`async_to_sync`) and, on
Redis, one PUBLISH round trip each. Why: a scheduler pass that ends a thousand rooms'
phases sends a thousand groups at once. What it buys, median of 3 runs each, off and on
alternately (2026-12-07, PostgreSQL + Redis, 300 rooms due in the same second, on a
2-core machine loaded to 14-18 by other work): deadline to frame p50 4.9 s -> 2.5 s,
p99 10.6 s -> 3.2 s (docs/performance.md, "What the kit buys"). Shown by:

    DATABASE_URL=postgres://... REDIS_URL=redis://... .venv/bin/python bench/kit.py batching due
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Iterator

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings

from focusmate.lib.faults import is_outage

logger = logging.getLogger(__name__)


def room_group(room_id: int) -> str:
    return f"room.{room_id}"


def user_group(user_id: int) -> str:
    """Everything addressed to one person's pages: notifications, messages, unread counts."""
    return f"user.{user_id}"


def message(event_type: str, *, html: str = "", data: dict | None = None) -> dict:
    return {"type": event_type, "html": html, "data": data or {}}


_batch = threading.local()
_undelivered = threading.local()

# What the sender of a line is told when it was stored but its push could not go out.
UNDELIVERED_NOTE = (
    "Saved, but live delivery is down for a moment: others will see it when it is back."
)


@contextlib.contextmanager
def undelivered() -> Iterator[list[str]]:
    """Collects the groups that this thread's sends failed to reach (the channel layer
    refused them), so that a service's caller can tell its user that what was saved was
    not delivered live, and show it to them from its own answer."""
    previous = getattr(_undelivered, "groups", None)
    _undelivered.groups = groups = []
    try:
        yield groups
    finally:
        _undelivered.groups = previous


def _note_undelivered(groups: list[str]) -> None:
    noted = getattr(_undelivered, "groups", None)
    if noted is not None:
        noted.extend(groups)


def send_now(group: str, payload: dict) -> None:
    """Sends at once, or with the enclosing `batched()` block's next batch."""
    pending = getattr(_batch, "pending", None)
    if pending is not None and "batching" not in settings.PERF_KIT_OFF:
        pending.append((group, payload))
        if len(pending) >= _batch.size:
            _batch.pending = []
            _send_all(pending)
        return
    _send_all([(group, payload)])


@contextlib.contextmanager
def batched(*, size: int = 1_000_000) -> Iterator[None]:
    """Gathers this thread's sends and makes them together, `size` at a time and the
    rest when the block ends.

    A scheduler pass that ends a thousand rooms' phases would otherwise cross from its
    thread to the event loop once per room; here it crosses once per `size` of them,
    and the first rooms' frames are on their way while the later ones are rendered.
    """
    if getattr(_batch, "pending", None) is not None:  # already batching: join it
        yield
        return
    _batch.pending, _batch.size = [], size
    try:
        yield
    finally:
        pending, _batch.pending = _batch.pending, None
        if pending:
            _send_all(pending)


def _send_all(messages: list[tuple[str, dict]]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return

    async def send_each() -> list[str]:
        """The groups it failed to reach (noted by the caller: this runs on the loop's
        thread, and the notes are the calling thread's)."""
        if hasattr(layer, "group_send_many"):  # the Redis layer: one pipeline for them all
            await layer.group_send_many(messages)
            return []
        results = await asyncio.gather(
            *(layer.group_send(group, payload) for group, payload in messages),
            return_exceptions=True,
        )
        failed = []
        for (group, _), result in zip(messages, results, strict=True):
            if isinstance(result, Exception):
                # The database holds the truth; a lost push is repaired by the next sync.
                logger.error("broadcast to %s failed: %r", group, result)
                failed.append(group)
        return failed

    try:
        _note_undelivered(async_to_sync(send_each)())
    except Exception as error:
        # Pages resync when the layer is back (focusmate.lib.sockets); a traceback per
        # push during an outage would only bury that.
        if is_outage(error):
            logger.error("broadcast of %d message(s) failed: %r", len(messages), error)
        else:
            logger.exception("broadcast of %d message(s) failed", len(messages))
        _note_undelivered([group for group, _ in messages])


def layer_is_process_local() -> bool:
    """True for the in-memory layer: only this process's sockets can be reached."""
    return settings.CHANNEL_LAYERS["default"]["BACKEND"].endswith("InMemoryChannelLayer")
