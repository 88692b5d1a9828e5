"""The pages' HTTP handler runs requests on a few kept threads (focusmate/lib/http_threads.py)."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import pytest
from django.db import connection
from django.http import JsonResponse
from django.urls import path

from focusmate.asgi import django_asgi_app
from focusmate.lib.http_threads import PooledThreadsASGIHandler

_busy = {"now": 0, "most": 0}
_busy_lock = threading.Lock()


def where(request):
    """Which thread ran this request, and which database connection it used."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse(
        {"thread": threading.current_thread().name, "connection": id(connection.connection)}
    )


def slow(request):
    with _busy_lock:
        _busy["now"] += 1
        _busy["most"] = max(_busy["most"], _busy["now"])
    time.sleep(float(request.GET.get("seconds", "0.1")))
    with _busy_lock:
        _busy["now"] -= 1
    return JsonResponse({"thread": threading.current_thread().name})


urlpatterns = [path("where/", where), path("slow/", slow)]


@pytest.fixture
def test_urls(settings):
    settings.ROOT_URLCONF = __name__
    _busy.update(now=0, most=0)
    yield
    # The threads keep their connections, as they should; the test database can't be
    # dropped while they are open.
    for app in [*handlers_made, django_asgi_app]:
        app.close_connections()
    handlers_made.clear()


handlers_made: list[PooledThreadsASGIHandler] = []


def handler(threads: int) -> PooledThreadsASGIHandler:
    handlers_made.append(app := PooledThreadsASGIHandler(threads))
    return app


async def call(app, url: str, *, leave_after: float | None = None) -> tuple[int, dict | None]:
    """One GET through the ASGI app; with leave_after, the client hangs up after that long."""
    path_, _, query = url.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path_,
        "raw_path": path_.encode(),
        "query_string": query.encode(),
        "headers": [(b"host", b"127.0.0.1")],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
    }
    sent = []
    body_given = False

    async def receive():
        nonlocal body_given
        if not body_given:
            body_given = True
            return {"type": "http.request", "body": b"", "more_body": False}
        if leave_after is not None:
            await asyncio.sleep(leave_after)
            return {"type": "http.disconnect"}
        await asyncio.Event().wait()  # the client stays until the answer is sent

    async def send(message):
        sent.append(message)

    await app(scope, receive, send)
    if not sent:
        return 0, None
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return sent[0]["status"], json.loads(body) if body else None


@pytest.mark.django_db(transaction=True)
def test_the_site_serves_http_on_kept_threads_with_kept_connections(test_urls, settings):
    assert isinstance(django_asgi_app, PooledThreadsASGIHandler)
    assert django_asgi_app.threads == settings.HTTP_THREADS

    async def one_after_another():
        return [await call(django_asgi_app, "/where/") for _ in range(3 * settings.HTTP_THREADS)]

    answers = asyncio.run(one_after_another())
    assert {status for status, _ in answers} == {200}
    threads = {body["thread"] for _, body in answers}
    assert threads <= {f"http-{n}_0" for n in range(settings.HTTP_THREADS)}
    # One request after another takes the thread the last one gave back: Django's own
    # handler started a new thread, so a new connection, for every request.
    assert len(threads) == 1
    assert len({body["connection"] for _, body in answers}) == 1


@pytest.mark.django_db(transaction=True)
def test_requests_beyond_the_pool_wait_for_a_thread(test_urls):
    app = handler(2)

    async def crowd():
        return await asyncio.gather(*(call(app, "/slow/?seconds=0.1") for _ in range(6)))

    answers = asyncio.run(crowd())
    assert [status for status, _ in answers] == [200] * 6
    assert len({body["thread"] for _, body in answers}) == 2
    assert _busy["most"] == 2


@pytest.mark.django_db(transaction=True)
def test_a_client_hanging_up_gives_its_thread_back(test_urls):
    app = handler(1)

    async def leave_then_ask():
        left = await call(app, "/slow/?seconds=0.3", leave_after=0.05)
        return left, await call(app, "/slow/?seconds=0")

    (left_status, _), (status, body) = asyncio.run(leave_then_ask())
    assert left_status == 0  # nothing was sent to the client who left
    assert status == 200 and body["thread"] == "http-0_0"


def test_at_least_one_thread():
    with pytest.raises(ValueError, match="at least 1"):
        PooledThreadsASGIHandler(0)
