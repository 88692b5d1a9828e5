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
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext
from django.core.handlers.asgi import ASGIHandler
from django.db import connections


class PooledThreadsASGIHandler(ASGIHandler):
    def __init__(self, threads: int):
        super().__init__()
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

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Django serves HTTP here, not {scope['type']!r}")
        idle = self._idle_queue()
        executor = await idle.get()
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            # If the client left mid-request, the thread may still be finishing the view;
            # the next request on it simply queues behind it.
            idle.put_nowait(executor)

    def close_connections(self) -> None:
        """Closes every thread's database connections (a test, before its database goes)."""
        for executor in self._executors:
            executor.submit(connections.close_all).result()
