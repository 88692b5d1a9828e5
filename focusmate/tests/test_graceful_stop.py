"""SIGTERM, as a deploy sends it, to a real `manage.py serve`: no new connections, the
requests in flight finish, and sockets are closed with 1012 ("service restart"), which
pages reconnect on at once. Daphne alone cut the requests off and dropped the sockets
with no close frame (1006)."""

from __future__ import annotations

import re
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from django.conf import settings
from django.db import transaction
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from conftest import LiveSite, session_cookie
from timers.models import Timer

pytestmark = [pytest.mark.django_db(transaction=True)]


def _page_client(site: LiveSite, user) -> tuple[httpx.Client, str]:
    """A logged-in HTTP client and the CSRF token of `user`'s room page."""
    http = httpx.Client(base_url=site.url, timeout=30)
    http.cookies.set(settings.SESSION_COOKIE_NAME, session_cookie(user))
    page = http.get("/rooms/").text
    return http, re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)


def _close_code(socket) -> int | None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.recv(timeout=max(0.05, deadline - time.monotonic()))
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None
        except TimeoutError:
            return None
    return None


def _wait_until_up(site: LiveSite) -> None:
    """Up to a minute: three processes starting on a loaded machine can take half of it."""
    try:
        site._wait_until_up()
    except RuntimeError:
        if site.process.poll() is not None:
            raise
        site._wait_until_up()


@pytest.mark.parametrize(
    "command",
    [("serve",), ("serve", "--workers", "2")],
    ids=["one-process", "supervisor-with-two-workers"],
)
def test_sigterm_finishes_requests_in_flight_and_closes_sockets_with_1012(
    command, room, private_room, alice, bob
):
    if "--workers" in command and not settings.REDIS_URL:
        pytest.skip(reason="SEVERAL WORKERS NEED REDIS_URL (a Redis channel layer)")
    site = LiveSite(command=command, wait=False)
    try:
        _wait_until_up(site)
        sockets = [
            connect(
                f"ws://127.0.0.1:{site.port}/ws/rooms/{room.pk}/",
                additional_headers={
                    "Cookie": f"{settings.SESSION_COOKIE_NAME}={session_cookie(user)}",
                    "Origin": site.url,
                },
                open_timeout=10,
            )
            for user in (alice, bob, bob)
        ]
        for socket in sockets:
            socket.recv(timeout=10)  # the snapshot
        http, token = _page_client(site, alice)
        with ThreadPoolExecutor(max_workers=2) as pool:
            with transaction.atomic():
                # The timer rows are locked here: each Start waits in the server for its own.
                rooms = (room, private_room)
                list(Timer.objects.select_for_update().filter(room__in=rooms))
                in_flight = [
                    pool.submit(
                        http.post,
                        f"/rooms/{each.pk}/timer/",
                        data={"action": "start"},
                        headers={"X-CSRFToken": token, "HX-Request": "true"},
                    )
                    for each in rooms
                ]
                time.sleep(1.5)  # both requests are in the server, waiting
                assert not any(future.done() for future in in_flight)
                site.process.send_signal(signal.SIGTERM)

                codes = [_close_code(socket) for socket in sockets]
                with pytest.raises(httpx.ConnectError):
                    httpx.get(f"{site.url}/health", timeout=2)
                assert not any(future.done() for future in in_flight)
            # The lock is released: the requests in flight go through.
            statuses = sorted(future.result(timeout=20).status_code for future in in_flight)
        assert codes == [1012, 1012, 1012]
        assert statuses == [200, 200]
        assert {timer.status for timer in Timer.objects.filter(room__in=rooms)} == {"running"}
        assert site.process.wait(timeout=30) == 0
    finally:
        if site.process.poll() is None:
            site.stop()
