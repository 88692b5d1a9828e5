"""Achievements react to the writes that change what a person has earned."""

from __future__ import annotations

from django.template.loader import render_to_string

from accounts.models import User
from achievements.models import UserAchievement
from achievements.services import achievements_check, achievements_check_many
from focusmate.events import AchievementsUnlocked, RoomJoined, SessionsRecorded, subscriber
from focusmate.lib import broadcast


@subscriber(SessionsRecorded)
def check_after_sessions(event: SessionsRecorded) -> None:
    """Those credited with a work phase may have earned something (outside the timer's lock)."""
    if event.work_user_ids:
        achievements_check_many(users=User.objects.filter(pk__in=event.work_user_ids))


@subscriber(RoomJoined)
def check_after_join(event: RoomJoined) -> None:
    user = User.objects.filter(pk=event.user_id).first()
    if user is not None:
        achievements_check(user=user)


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
