"""What an outage of PostgreSQL or Redis looks like from the code, and how long to wait.

Every edge (the pages' error handler, the API's, the sockets') turns these errors into
"try again in a moment" (HTTP 503 with Retry-After, or a socket closed with 1013), never
into a 500: nothing is wrong with the request, and the same request will work once the
service is back.
"""

from __future__ import annotations

from django.db import InterfaceError, OperationalError
from redis.exceptions import RedisError

# Seconds a client is asked to wait: about how long a restart of either service takes.
RETRY_AFTER_SECONDS = 10
UNAVAILABLE_MESSAGE = (
    "Back in a moment: part of the site is restarting. Please try again in a few seconds."
)


class ServiceUnavailable(Exception):
    """A request refused on purpose while a service it needs is away (see ratelimit)."""

    retry_after = RETRY_AFTER_SECONDS


# PostgreSQL unreachable or gone mid-query (OperationalError, InterfaceError), Redis
# unreachable (redis-py's errors are not the builtin ones), or a socket-level failure.
OUTAGE_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    RedisError,
    ConnectionError,
    TimeoutError,
    ServiceUnavailable,
)


def is_outage(error: BaseException | None) -> bool:
    return isinstance(error, OUTAGE_ERRORS)
