"""Who has a dashboard open, so that an event renders panels only for them.

A push to a person's dashboard group costs queries and a render whether or not a page
listens, and most followers of someone who starts a timer have no dashboard open. A
dashboard socket marks its person in the cache (Redis in production, shared by every
process) when it opens, and again at least every REMARK_SECONDS while it gets pushes;
a mark lasts WATCH_SECONDS. It is an economy, never the rule: a mark left by a closed
page costs one wasted render, and a cache that can't be read counts everyone.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.core.cache import cache

from focusmate.lib.ratelimit import CACHE_UNREACHABLE

logger = logging.getLogger(__name__)

WATCH_SECONDS = 24 * 3600
REMARK_SECONDS = 3600


def _key(user_id: int) -> str:
    return f"dashboard-open:{user_id}"


ANYONE = "dashboard-open:anyone"


def mark(*, user_id: int) -> None:
    try:
        cache.set_many({_key(user_id): 1, ANYONE: 1}, timeout=WATCH_SECONDS)
    except CACHE_UNREACHABLE:
        logger.warning("dashboard watch mark not stored (cache unreachable)")


def anyone() -> bool:
    """May any dashboard be open? When none is, an event costs the dashboard nothing
    (no query): a timer command's request pays for the dashboard only while one is."""
    try:
        return cache.get(ANYONE) is not None
    except CACHE_UNREACHABLE:
        return True


def watching(user_ids: Iterable[int]) -> set[int]:
    """Those of `user_ids` who may have a dashboard open (all, if the cache is away)."""
    user_ids = set(user_ids)
    if not user_ids:
        return set()
    try:
        found = cache.get_many([_key(pk) for pk in user_ids])
    except CACHE_UNREACHABLE:
        return user_ids
    return {pk for pk in user_ids if _key(pk) in found}
