"""Achievements react to the writes that change what a person has earned.

A check reads several counts per person, so after a work phase it runs on a worker
thread of its own, not in the commit path of whatever recorded the phase. The people to
check are gathered for CHECK_DELAY_SECONDS first: a scheduler ending a thousand rooms'
phases at once pushes all of them, then one batch of checks follows.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections
from django.template.loader import render_to_string

from accounts.models import User
from achievements.models import UserAchievement
from achievements.services import achievements_check, achievements_check_many
from focusmate.events import (
    AchievementsUnlocked,
    CommentPosted,
    ContentLiked,
    PostPublished,
    RoomJoined,
    SessionsRecorded,
    subscriber,
)
from focusmate.lib import broadcast

logger = logging.getLogger(__name__)
_worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="achievement-checks")
CHECK_DELAY_SECONDS = 0.5
_waiting: set[int] = set()
_waiting_lock = threading.Lock()


def _run(check: Callable[[], object]) -> None:
    try:
        check()
    except Exception:
        logger.exception("achievement check failed")
    finally:
        close_old_connections()


def in_background(check: Callable[[], object]) -> Future | None:
    """Runs `check` on the worker thread (inline when ACHIEVEMENT_CHECKS_INLINE is set)."""
    if settings.ACHIEVEMENT_CHECKS_INLINE:
        check()
        return None
    return _worker.submit(_run, check)


def _check_waiting() -> None:
    """On the worker: everyone gathered while it waited, in one batch."""
    time.sleep(CHECK_DELAY_SECONDS)  # a pass's pushes go out meanwhile, without us
    with _waiting_lock:
        user_ids = set(_waiting)
        _waiting.clear()
    # Their toasts and bells leave together: from this thread each send otherwise made
    # an event loop and a Redis connection of its own.
    with broadcast.batched():
        achievements_check_many(users=User.objects.filter(pk__in=user_ids).order_by("pk"))


@subscriber(SessionsRecorded)
def check_after_sessions(event: SessionsRecorded) -> None:
    """Those credited with a work phase may have earned something (outside the timer's lock).

    Checked CHECK_DELAY_SECONDS later, in one batch with everyone credited meanwhile: the
    checks of a thousand rooms' members, run one by one as their pushes went out, held
    the interpreter's lock against the event loop delivering them (bench/timers_due.py).
    """
    if not event.work_user_ids:
        return
    if settings.ACHIEVEMENT_CHECKS_INLINE:
        achievements_check_many(users=User.objects.filter(pk__in=event.work_user_ids))
        return
    with _waiting_lock:
        first = not _waiting
        _waiting.update(event.work_user_ids)
    if first:
        _worker.submit(_run, _check_waiting)


@subscriber(RoomJoined)
def check_after_join(event: RoomJoined) -> None:
    user = User.objects.filter(pk=event.user_id).first()
    if user is not None:
        achievements_check(user=user)


@subscriber(PostPublished, CommentPosted, ContentLiked)
def check_after_community(event: PostPublished | CommentPosted | ContentLiked) -> None:
    """A post, a comment, or a like received counts toward the community achievements."""
    user_id = event.author_id
    in_background(
        lambda: [achievements_check(user=user) for user in User.objects.filter(pk=user_id)]
    )


@subscriber(AchievementsUnlocked)
def push_unlock_toast(event: AchievementsUnlocked) -> None:
    unlocks = (
        UserAchievement.objects.filter(
            user_id=event.user_id, achievement_id__in=event.achievement_ids
        )
        .select_related("achievement")
        .order_by("achievement__sort_order", "achievement__requirement_value", "pk")
    )
    unlocks = list(unlocks)
    html = render_to_string("achievements/_unlock_toast.html", {"unlocks": unlocks})
    data = {
        "achievements": [{"slug": u.achievement.slug, "name": u.achievement.name} for u in unlocks]
    }
    broadcast.send_now(
        broadcast.user_group(event.user_id),
        broadcast.message("achievements.unlocked", html=html, data=data),
    )
