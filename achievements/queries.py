"""Reads for the achievements pages, the profile and the unlock check; each a fixed query count."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce

from accounts.models import User
from achievements.counters import requirement_values
from achievements.models import Achievement, UserAchievement


def achievements_due(*, user: User) -> list[Achievement]:
    """Active achievements the user has earned but not unlocked yet (read only).

    One query for the pending achievements, then one per source that they need.
    """
    pending = list(Achievement.objects.active().not_unlocked_by(user))
    if not pending:
        return []
    values = requirement_values(
        user=user, requirements={achievement.requirement_type for achievement in pending}
    )
    return [
        achievement
        for achievement in pending
        if values.get(achievement.requirement_type, 0) >= achievement.requirement_value
    ]


@dataclass(frozen=True)
class Progress:
    achievement: Achievement
    current: int
    unlocked_at: datetime | None

    @property
    def required(self) -> int:
        return self.achievement.requirement_value

    @property
    def is_unlocked(self) -> bool:
        return self.unlocked_at is not None

    @property
    def bar_value(self) -> int:
        # An unlocked bar is full even if the count later fell (a deleted post, say).
        return self.required if self.is_unlocked else min(self.current, self.required)


@dataclass(frozen=True)
class CategoryProgress:
    category: str
    label: str
    items: list[Progress]


@dataclass(frozen=True)
class AchievementsPage:
    categories: list[CategoryProgress]
    points: int
    unlocked_count: int
    total_count: int


def achievements_page(*, user: User) -> AchievementsPage:
    """Every active achievement with the user's progress, grouped by category.

    One query for the achievements (with this user's unlock date as a subquery), then
    one per requirement source in use, whatever the number of achievements.
    """
    unlocked_at = UserAchievement.objects.filter(user=user, achievement=OuterRef("pk")).values(
        "unlocked_at"
    )[:1]
    achievements = list(
        Achievement.objects.active().annotate(user_unlocked_at=Subquery(unlocked_at))
    )
    values = requirement_values(
        user=user, requirements={achievement.requirement_type for achievement in achievements}
    )
    by_category: dict[str, list[Progress]] = {}
    for achievement in achievements:
        by_category.setdefault(achievement.category, []).append(
            Progress(
                achievement=achievement,
                current=values.get(achievement.requirement_type, 0),
                unlocked_at=achievement.user_unlocked_at,
            )
        )
    categories = [
        CategoryProgress(category=value, label=label, items=by_category[value])
        for value, label in Achievement.Category.choices
        if value in by_category
    ]
    unlocked = [item for items in by_category.values() for item in items if item.is_unlocked]
    return AchievementsPage(
        categories=categories,
        points=sum(item.achievement.points for item in unlocked),
        unlocked_count=len(unlocked),
        total_count=len(achievements),
    )


@dataclass(frozen=True)
class ProfileAchievements:
    unlocks: list[UserAchievement]
    points: int


def profile_achievements(*, user: User) -> ProfileAchievements:
    """The user's unlocked active achievements, newest first, and their points (one query)."""
    unlocks = list(
        UserAchievement.objects.filter(user=user, achievement__is_active=True)
        .select_related("achievement")
        .order_by("-unlocked_at", "-pk")
    )
    return ProfileAchievements(
        unlocks=unlocks, points=sum(unlock.achievement.points for unlock in unlocks)
    )


def user_points(*, user: User) -> int:
    """The user's points total over active achievements (one query)."""
    return UserAchievement.objects.filter(user=user, achievement__is_active=True).aggregate(
        points=Coalesce(Sum("achievement__points"), 0)
    )["points"]
