"""What every socket of the site shares: close codes, the error toast, and following
access as it changes.

Each socket joins two access groups besides its feature's groups: one for its user (a
ban, a room left) and one for the login session it was opened with (a logout). The
subscribers in focusmate/subscriptions.py send to them; `AccessControlled` closes or
detaches the socket at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import logging
import time
import weakref
from types import SimpleNamespace

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.middleware import BaseMiddleware
from channels.sessions import CookieMiddleware, SessionMiddleware
from django.contrib import auth
from django.utils.html import escape
from redis.exceptions import ConnectionError as RedisConnectionError

from focusmate.lib import layers
from focusmate.lib.broadcast import layer_is_process_local
from focusmate.lib.faults import is_outage

logger = logging.getLogger(__name__)

# Close codes the browser can read (4000-4999 are the application's).
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
# RFC 6455's "try again later" and "internal error": the page's socket script retries both.
CLOSE_TRY_AGAIN_LATER = 1013
CLOSE_INTERNAL_ERROR = 1011


# Database work a socket can do beside others (reads, and writes that need no order with
# them): on a pool of threads, each with its own kept connection, instead of Channels'
# one thread. A crowd connecting at once otherwise waits on every query's round trip
# in turn (a quarter of a storm's server time went to waiting on PostgreSQL).
parallel_db = functools.partial(database_sync_to_async, thread_sensitive=False)


def _session_user(session):
    """The session's user as Django's own `auth.get_user` decides it (backend, active
    user, session hash with the fallbacks), or AnonymousUser."""
    return auth.get_user(SimpleNamespace(session=session))


class SessionAuthMiddleware(BaseMiddleware):
    """Channels' AuthMiddleware, with the session and user read on `parallel_db`.

    Channels reads them on the process's one sync thread: a crowd connecting at once
    queued its 1000 reads (a health check, the session, the user: three round trips
    each) on that thread, one after another.
    """

    async def __call__(self, scope, receive, send):
        if "session" not in scope:
            raise ValueError("SessionAuthMiddleware needs channels' SessionMiddleware above it.")
        scope = dict(scope)
        if "user" not in scope:
            scope["user"] = await parallel_db(_session_user)(scope["session"])
        return await super().__call__(scope, receive, send)


def session_auth_stack(inner):
    """Channels' AuthMiddlewareStack with SessionAuthMiddleware."""
    return CookieMiddleware(SessionMiddleware(SessionAuthMiddleware(inner)))


def refuse_cleanly(app):
    """Wraps the site's socket application: whatever fails while a socket is opened or
    served ends in a close frame the browser can act on, never Daphne's HTTP 500.

    With Redis or PostgreSQL away, a handshake fails wherever the first of them is
    needed (the consumer's channel, the session read, the membership query). Such a
    socket is accepted and closed at once with 1013, "try again later", and the page's
    script retries with a growing pause (static/js/site.js); any other failure closes
    with 1011. Accepting first, rather than refusing the handshake, is what lets the
    browser see the code at all: a refused handshake reaches a page as a bare 1006.
    """

    async def guarded(scope, receive, send) -> None:
        sent = {"accept": False, "close": False}

        async def tracked_send(message: dict) -> None:
            await send(message)
            kind = message["type"].removeprefix("websocket.")
            if kind in sent:
                sent[kind] = True

        try:
            await app(scope, receive, tracked_send)
        except Exception as error:
            outage = is_outage(error)
            if outage:
                logger.warning("socket %s closed with 1013: %r", scope.get("path"), error)
            else:
                logger.exception("socket %s failed", scope.get("path"))
            if sent["close"]:
                return
            with contextlib.suppress(Exception):  # the browser may be gone already
                if not sent["accept"]:
                    await send({"type": "websocket.accept"})
                code = CLOSE_TRY_AGAIN_LATER if outage else CLOSE_INTERNAL_ERROR
                await send({"type": "websocket.close", "code": code})

    return guarded


def access_group(user_id: int) -> str:
    return f"access.user.{user_id}"


def session_group(session_key: str) -> str:
    # Hashed: a session key is a credential, and group names are visible in Redis.
    digest = hashlib.sha256(session_key.encode()).hexdigest()[:40]
    return f"access.session.{digest}"


def error_toast(text: str) -> str:
    """An out-of-band toast for the htmx ws extension; `text` is escaped."""
    return (
        '<div id="toasts" hx-swap-oob="beforeend">'
        f'<div class="toast toast-error" role="alert">{escape(text)}</div></div>'
    )


# Every open socket of this process, for a resync when the channel layer comes back.
_live: weakref.WeakSet = weakref.WeakSet()
_watchers: dict[int, asyncio.Task] = {}
WATCH_EVERY_SECONDS = 1.0
LATE_PINGS_FOR_OUTAGE = 5
REFUSED = (OSError, RedisConnectionError)  # OSError includes the builtin ConnectionError


class AccessControlled:
    """A mixin for AsyncWebsocketConsumer: closes the socket when its access ends, and
    sends its page the state again when the channel layer comes back from an outage."""

    access_groups: list[str] = []
    revoked = False

    async def dispatch(self, message: dict) -> None:
        """Channels' dispatch without its `aclose_old_connections()` before every event.

        Channels (4.2+) sends that call to the process's one sync thread before each
        handler, so a push to 1000 sockets queued 1000 calls on that thread, and each
        connect one more (a tenth of a connect storm's server time, py-spy). It guards
        ORM use that bypasses `database_sync_to_async`; these consumers reach the
        database only through `database_sync_to_async` and `parallel_db`, which close
        old connections around each call themselves (focusmate/tests/test_sockets.py).
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def resync(self) -> None:
        """Sends the page what it may have missed (a subclass's snapshot)."""

    async def join_access_groups(self, user) -> None:
        _live.add(self)
        _ensure_layer_watch()
        groups = [access_group(user.pk)]
        session_key = getattr(self.scope.get("session"), "session_key", None)
        if session_key:
            groups.append(session_group(session_key))
        self.access_groups = groups
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)

    async def leave_access_groups(self) -> None:
        _live.discard(self)
        await self.leave_groups(*self.access_groups)

    async def leave_groups(self, *groups: str) -> None:
        """Leaves `groups`, even while the channel layer is away: a socket closing during
        a Redis outage still finishes its own clean-up (its presence above all)."""
        for group in groups:
            try:
                await self.channel_layer.group_discard(group, self.channel_name)
            except Exception as error:
                if not is_outage(error):
                    raise
                logger.warning("group %s left during an outage: %r", group, error)

    async def access_revoked(self, event: dict) -> None:
        """A ban or a logout: nothing more goes either way on this socket."""
        self.revoked = True
        await self.close(code=CLOSE_UNAUTHENTICATED)

    async def room_left(self, event: dict) -> None:
        """The user left a room; only a socket of that room minds (see RoomConsumer)."""


async def watch_layer(layer, *, every: float = WATCH_EVERY_SECONDS) -> None:
    """Pings this process through the channel layer; when pings come back after failing
    (Redis restarted), every open socket of the process sends its page a fresh state.

    A push published while a process's subscription to Redis was down is lost (pub/sub
    delivers at most once), so a page would show a stale timer until the next sync.

    One receive stays pending for the watcher's whole life: a receive that times out
    unsubscribes its channel (channels_redis assumes the consumer is leaving), and a
    ping sent before the next receive subscribed again would never arrive.
    """
    channel = await layer.new_channel("layerwatch.")
    pongs: asyncio.Queue = asyncio.Queue()

    async def listen() -> None:
        while True:
            try:
                await pongs.put(await layer.receive(channel))
            except asyncio.CancelledError:
                raise
            except Exception:
                await asyncio.sleep(every)

    listener = asyncio.get_running_loop().create_task(listen(), name="channel-layer-pongs")
    healthy = True
    down_since = 0.0
    slow = 0  # pings in a row that went out but did not come back in time
    try:
        while True:
            await asyncio.sleep(every)
            while not pongs.empty():  # late answers to pings that timed out
                pongs.get_nowait()
            try:
                await asyncio.wait_for(layer.send(channel, {"type": "layer.ping"}), every)
                await asyncio.wait_for(pongs.get(), timeout=2 * every)
                slow = 0
            except Exception as error:
                # A refused send is an outage. A ping that is only late may be a busy
                # process (a crowd connecting): a resync of every page then would make
                # it busier, so only several late pings in a row count.
                refused = isinstance(error, REFUSED) and not isinstance(error, TimeoutError)
                slow = 0 if refused else slow + 1
                if refused or slow >= LATE_PINGS_FOR_OUTAGE:
                    if healthy:
                        logger.warning(
                            "channel layer unreachable; sockets will resync when it returns"
                        )
                        down_since = time.monotonic()
                    healthy = False
                continue
            if not healthy:
                healthy = True
                if _resynced_at < down_since:  # the layer's own notice came first
                    await resync_all("channel layer back")
    finally:
        listener.cancel()


_resynced_at = 0.0  # time.monotonic() of the last resync of every socket


async def resync_all(reason: str) -> None:
    """Every open socket of this process sends its page the current state."""
    global _resynced_at
    _resynced_at = time.monotonic()
    logger.warning("%s; resyncing %d socket(s)", reason, len(_live))
    await asyncio.gather(*(_resync(consumer) for consumer in list(_live)))


async def _resync_after_reconnect() -> None:
    await resync_all("channel layer subscriptions back")


# The pub/sub layer says when its subscriptions are back after a lost connection (at
# once, and also after an outage too short for a ping to notice); the ping above stays
# for the other layers.
layers.resubscribed_listeners.append(_resync_after_reconnect)


async def _resync(consumer) -> None:
    try:
        await consumer.resync()
    except Exception:
        logger.exception("resync failed")


def _ensure_layer_watch() -> None:
    if layer_is_process_local():
        return  # nothing to lose between processes
    loop = asyncio.get_running_loop()
    task = _watchers.get(id(loop))
    if task is None or task.done():
        _watchers[id(loop)] = loop.create_task(
            watch_layer(get_channel_layer()), name="channel-layer-watch"
        )


async def stop_layer_watch() -> None:
    task = _watchers.pop(id(asyncio.get_running_loop()), None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
