"""Database connections kept for sockets, closed after each HTTP request under ASGI.

Channels runs a process's socket work on one thread and closes "old" connections around
each call, so with CONN_MAX_AGE=0 every socket event of a crowd opened a new connection
(a third of a connect storm's server time, measured with py-spy). With CONN_MAX_AGE>0
that thread keeps one. But Django's ASGI handler gives each HTTP request a thread of its
own that is not reused, and the connection it leaves behind would stay open until
collected: under load PostgreSQL ran out of connections. So after every request served
by the ASGI handler, that request's connections are closed.
"""

from __future__ import annotations

from django.core.handlers.asgi import ASGIHandler
from django.core.signals import request_finished
from django.db import connections


def _close_request_connections(sender, **kwargs) -> None:
    if isinstance(sender, type) and issubclass(sender, ASGIHandler):
        connections.close_all()


def install() -> None:
    request_finished.connect(_close_request_connections, dispatch_uid="focusmate.connections")
