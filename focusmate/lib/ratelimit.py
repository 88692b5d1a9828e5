"""A fixed-window rate limit on the shared cache, for actions people could spam."""

from __future__ import annotations

import time

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.utils import timezone


class RateLimited(PermissionDenied):
    """Raised when an action was done too often; the message says when to try again."""


def hit(key: str, *, limit: int, per_seconds: int) -> None:
    """Counts one use of `key`; raises RateLimited past `limit` uses in the window."""
    window = int(time.time() // per_seconds)
    cache_key = f"ratelimit:{key}:{window}"
    cache.add(cache_key, 0, timeout=per_seconds + 1)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=per_seconds + 1)
        count = 1
    if count > limit:
        raise RateLimited(f"That's too often. Please wait {per_seconds} seconds and try again.")


# An account this young gets the stricter of two limits (spam comes from fresh accounts).
NEW_ACCOUNT_SECONDS = 24 * 3600


def limit_for(user, *, normal: int, new_account: int) -> int:
    """`new_account` for accounts younger than a day, `normal` after that."""
    joined = getattr(user, "date_joined", None)
    if joined is None:
        return new_account
    age = (timezone.now() - joined).total_seconds()
    return new_account if age < NEW_ACCOUNT_SECONDS else normal
