"""A sliding-window rate limit on the shared cache, for actions people could spam.

Counts live in the cache (Redis when there are several processes), so every process
counts the same uses. A fixed window would let a burst through at each window's edge
(the limit just before it, the limit again just after); here the previous window's
count still weighs, fading as the current one goes on.
"""

from __future__ import annotations

import math
import time

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.utils import timezone


class RateLimited(PermissionDenied):
    """Raised when an action was done too often; the message says when to try again."""

    retry_after: int | None = None  # seconds


def hit(key: str, *, limit: int, per_seconds: int) -> None:
    """Counts one use of `key`; raises RateLimited past `limit` uses in any `per_seconds`.

    A refused use counts too, so hammering keeps the door shut.
    """
    now = time.time()
    window, into = divmod(now, per_seconds)
    current = f"ratelimit:{key}:{int(window)}"
    cache.add(current, 0, timeout=2 * per_seconds + 1)
    try:
        count = cache.incr(current)
    except ValueError:  # expired between add and incr
        cache.set(current, 1, timeout=2 * per_seconds + 1)
        count = 1
    previous = cache.get(f"ratelimit:{key}:{int(window) - 1}", 0)
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


# An account this young gets the stricter of two limits (spam comes from fresh accounts).
NEW_ACCOUNT_SECONDS = 24 * 3600


def limit_for(user, *, normal: int, new_account: int) -> int:
    """`new_account` for accounts younger than a day, `normal` after that."""
    joined = getattr(user, "date_joined", None)
    if joined is None:
        return new_account
    age = (timezone.now() - joined).total_seconds()
    return new_account if age < NEW_ACCOUNT_SECONDS else normal
