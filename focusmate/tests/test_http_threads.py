"""The pages' HTTP handler runs requests on a few kept threads (focusmate/lib/http_threads.py)."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import pytest
from django.core.signals import request_finished
from django.db import connection
from django.http import JsonResponse, StreamingHttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

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


@csrf_exempt
def echo(request):
    return JsonResponse(request.POST.dict())


def stream(request):
    async def parts():
        yield b"one "
        yield b"two"

    return StreamingHttpResponse(parts(), content_type="text/plain")


urlpatterns = [
    path("where/", where),
    path("slow/", slow),
    path("echo/", echo),
    path("stream/", stream),
]


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


async def call(
    app, url: str, *, method: str = "GET", body: bytes = b"", leave_after: float | None = None
) -> tuple[int, dict | None]:
    """One request through the ASGI app; with leave_after, the client hangs up after that."""
    path_, _, query = url.partition("?")
    headers = [(b"host", b"127.0.0.1")]
    if body:
        headers.append((b"content-type", b"application/x-www-form-urlencoded"))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path_,
        "raw_path": path_.encode(),
        "query_string": query.encode(),
        "headers": headers,
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
    }
    sent = []
    body_given = False

    async def receive():
        nonlocal body_given
        if not body_given:
            body_given = True
            return {"type": "http.request", "body": body, "more_body": False}
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
    headers = {name.lower(): value for name, value in sent[0]["headers"]}
    is_json = headers.get(b"content-type") == b"application/json"
    return sent[0]["status"], json.loads(body) if is_json else None


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
def test_a_client_hanging_up_mid_request_leaves_the_thread_free_for_the_next(test_urls):
    app = handler(1)

    async def leave_then_ask():
        left = asyncio.create_task(call(app, "/slow/?seconds=0.3", leave_after=0.05))
        await asyncio.sleep(0.1)  # the first client has gone; its view is still running
        asked = await call(app, "/slow/?seconds=0")
        return await left, asked

    _, (status, body) = asyncio.run(leave_then_ask())
    assert status == 200 and body["thread"] == "http-0_0"
    assert _busy["most"] == 1  # one at a time on the one thread


@pytest.mark.django_db(transaction=True)
def test_a_post_body_reaches_the_view_and_a_missing_page_is_djangos_404(test_urls):
    async def both():
        return await call(django_asgi_app, "/echo/", method="POST", body=b"x=1&y=two"), await call(
            django_asgi_app, "/nowhere/"
        )

    (status, body), (missing, _) = asyncio.run(both())
    assert status == 200 and body == {"x": "1", "y": "two"}
    assert missing == 404


def test_at_least_one_thread():
    with pytest.raises(ValueError, match="at least 1"):
        PooledThreadsASGIHandler(0)


@pytest.mark.django_db(transaction=True)
def test_every_answer_is_finished_once_on_its_thread_streamed_or_not(test_urls):
    finished = []

    def on_finished(**kwargs):
        finished.append(threading.current_thread().name)

    request_finished.connect(on_finished)
    app = handler(1)
    try:

        async def both():
            plain = await call(app, "/where/")
            streamed = await call(app, "/stream/")
            return plain, streamed

        (status, answer), (streamed_status, _) = asyncio.run(both())
    finally:
        request_finished.disconnect(on_finished)
    assert (status, streamed_status) == (200, 200)
    # The plain answer finished before it was sent, the streamed one after: both on the
    # request's thread, where its database connection lives.
    assert finished == [answer["thread"], answer["thread"]]
