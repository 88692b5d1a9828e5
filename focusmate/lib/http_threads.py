"""Django's HTTP under ASGI on a few long-lived threads, each with its kept connection.

Django's ASGIHandler enters a fresh `ThreadSensitiveContext` for every request, and asgiref
gives each such context its own new thread (and starts another to join it afterwards).
Django's database connections belong to a thread, so every request also opened a new
connection, which we then had to close after the request lest PostgreSQL run out of them:
CONN_MAX_AGE could not keep anything. Measured on 2 cores (`make run`, wrk -c32), the
room list cost 15.6 ms of server CPU a request that way, and 8.9 ms on kept threads.

Here each request borrows one of `HTTP_THREADS` single-thread executors for its whole
run (middleware, view, response), so one request's sync code still runs on one thread
as Django requires, and the thread's connection is kept between requests. A request that
finds every thread busy waits for one: a bounded queue instead of a thread per request.

And the request crosses to its thread once. Django's async path went back and forth
between the event loop and the thread four times (the request_started signal, the sync
middleware, the loop again for allauth's async-capable middleware, the view) plus a
task listening for the client's disconnect, which can't stop sync code anyway. Here the
signal, the sync middleware chain and the view run in one call: /health went from 588
to 835-934 req/s and the API's room list from 195 to 225 (bench/api.py). The answer is
sent from the loop, as Django does it (streaming responses included); an answer that is
not streamed is finished (`close()`, request_finished) on its thread before it is sent.

What it replaces: Django's own `get_asgi_application()`, with CONN_MAX_AGE=0 as Django
advises under ASGI (a kept connection would stay open with its request's dead thread).
What it buys, median of 3 runs each, off and on alternately (2026-12-07, on a 2-core
machine loaded to 14-16 by other work): on PostgreSQL, where a connection costs, the
API's room list 28 -> 41 req/s (+46%), its timer state 30 -> 49 (+63%), /health 45 -> 62
(+38%). On SQLite (`make run`), where opening a connection is nearly free, it was within
the noise (the API -5% and -10%, pages -21% and -3%). Shown by:

    DATABASE_URL=postgres://... REDIS_URL=redis://... DEBUG=false ... \
        .venv/bin/python bench/kit.py http_threads api
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.core.handlers.base import BaseHandler
from django.db import connections
from django.http import FileResponse
from django.urls import set_script_prefix


class PooledThreadsASGIHandler(ASGIHandler):
    def __init__(self, threads: int):
        # The sync middleware chain: the whole request runs on its thread in one call.
        BaseHandler.__init__(self)
        self.load_middleware(is_async=False)
        if threads < 1:
            raise ValueError("HTTP_THREADS must be at least 1")
        self.threads = threads
        self._executors = [
            ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"http-{n}")
            for n in range(threads)
        ]
        # Made on first use, on the serving event loop.
        self._idle: asyncio.LifoQueue[ThreadPoolExecutor] | None = None

    def _idle_queue(self) -> asyncio.LifoQueue[ThreadPoolExecutor]:
        if self._idle is None:
            # Last in, first out: a quiet server keeps using one warm thread and connection.
            self._idle = asyncio.LifoQueue()
            for executor in self._executors:
                self._idle.put_nowait(executor)
        return self._idle

    def _respond(self, scope, body_file):
        """Everything a request does in Django, on its thread: start, middleware, view."""
        set_script_prefix(get_script_prefix(scope))
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, error_response = self.create_request(scope, body_file)
        if request is None:
            return error_response
        response = self.get_response(request)
        response._handler_class = self.__class__
        if isinstance(response, FileResponse):
            response.block_size = self.chunk_size
        if not response.streaming:
            # Its body is made: finish here (request_finished, where the thread's database
            # connection is kept or closed as it ages) and save the trip back after sending.
            response.close()
        return response

    async def handle(self, scope, receive, send):
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        try:
            response = await sync_to_async(self._respond)(scope, body_file)
            try:
                await self.send_response(response, send)
            finally:
                if response.streaming:  # a file or a generator: finished once it is sent
                    await sync_to_async(response.close)()
        finally:
            body_file.close()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Django serves HTTP here, not {scope['type']!r}")
        idle = self._idle_queue()
        executor = await idle.get()
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            idle.put_nowait(executor)

    def close_connections(self) -> None:
        """Closes every thread's database connections (a test, before its database goes)."""
        for executor in self._executors:
            executor.submit(connections.close_all).result()
