"""Achievements react to the writes that change what a person has earned.

Each reaction only queues a check (achievements/tasks.py); the task worker runs it. A
scheduler pass that ends a thousand rooms' phases publishes one `SessionsRecorded` for
them all: one check of everyone credited is queued, a moment later, so that the pass's
pushes go out first.
"""

from __future__ import annotations

from django.template.loader import render_to_string

from achievements.models import UserAchievement
from achievements.tasks import AFTER_PASS_DELAY, achievements_check_later
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


@subscriber(SessionsRecorded)
def check_after_sessions(event: SessionsRecorded) -> None:
    """Those credited with a work phase may have earned something."""
    achievements_check_later(user_ids=event.work_user_ids, delay=AFTER_PASS_DELAY)


@subscriber(RoomJoined)
def check_after_join(event: RoomJoined) -> None:
    achievements_check_later(user_ids=[event.user_id])


@subscriber(PostPublished, CommentPosted, ContentLiked)
def check_after_community(event: PostPublished | CommentPosted | ContentLiked) -> None:
    """A post, a comment, or a like received counts toward the community achievements."""
    achievements_check_later(user_ids=[event.author_id])


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
