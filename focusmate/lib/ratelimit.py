"""A sliding-window rate limit on the shared cache, for actions people could spam.

Counts live in the cache (Redis when there are several processes), so every process
counts the same uses. A fixed window would let a burst through at each window's edge
(the limit just before it, the limit again just after); here the previous window's
count still weighs, fading as the current one goes on.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Literal

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from redis.exceptions import RedisError

from focusmate.lib.faults import ServiceUnavailable

logger = logging.getLogger(__name__)

# A cache that can't be reached: Redis stopped or restarting, a network cut.
CACHE_UNREACHABLE = (RedisError, OSError)


class RateLimited(PermissionDenied):
    """Raised when an action was done too often; the message says when to try again."""

    retry_after: int | None = None  # seconds


def hit(
    key: str,
    *,
    limit: int,
    per_seconds: int,
    if_uncounted: Literal["allow", "refuse"] = "allow",
) -> None:
    """Counts one use of `key`; raises RateLimited past `limit` uses in any `per_seconds`.

    A refused use counts too, so hammering keeps the door shut.

    When the cache can't be reached (Redis away), the use can't be counted: with
    `if_uncounted="allow"` it is let through with a warning in the log (/health then
    says "rate_limits": "not counted"); with "refuse" it raises ServiceUnavailable,
    which every edge answers with 503 and Retry-After. docs/security.md says which action
    does which, and why.
    """
    now = time.time()
    window, into = divmod(now, per_seconds)
    try:
        count, previous = _count(key, window=int(window), per_seconds=per_seconds)
    except CACHE_UNREACHABLE as error:
        action = key.split(":", 1)[0]
        if if_uncounted == "refuse":
            logger.warning("rate limit %s not counted (%r): refused with 503", action, error)
            raise ServiceUnavailable(
                "This can't be done for a moment. Please try again in a few seconds."
            ) from error
        logger.warning("rate limit %s not counted (%r): let through", action, error)
        return
    fading = 1 - into / per_seconds
    if previous * fading + count <= limit:
        return
    # When the weighted count falls back to the limit, if nothing else is done meanwhile.
    if count > limit:
        wait = (per_seconds - into) + per_seconds * (1 - limit / count)
    else:
        wait = per_seconds * (fading - (limit - count) / previous)
    seconds = max(1, math.ceil(wait))
    error = RateLimited(
        f"That's too often. Please try again in {seconds} second{'s' if seconds != 1 else ''}."
    )
    error.retry_after = seconds  # for the API's Retry-After header
    raise error


def _count(key: str, *, window: int, per_seconds: int) -> tuple[int, int]:
    """This window's count after one more use, and the previous window's count."""
    current = f"ratelimit:{key}:{window}"
    cache.add(current, 0, timeout=2 * per_seconds + 1)
    try:
        count = cache.incr(current)
    except ValueError:  # expired between add and incr
        cache.set(current, 1, timeout=2 * per_seconds + 1)
        count = 1
    return count, cache.get(f"ratelimit:{key}:{window - 1}", 0)


def counting() -> bool:
    """Whether rate limits are being counted now (the cache answers), for /health."""
    try:
        cache.get("ratelimit:health")
    except CACHE_UNREACHABLE:
        return False
    return True


# An account this young gets the stricter of two limits (spam comes from fresh accounts).
NEW_ACCOUNT_SECONDS = 24 * 3600


def limit_for(user, *, normal: int, new_account: int) -> int:
    """`new_account` for accounts younger than a day, `normal` after that."""
    joined = getattr(user, "date_joined", None)
    if joined is None:
        return new_account
    age = (timezone.now() - joined).total_seconds()
    return new_account if age < NEW_ACCOUNT_SECONDS else normal
