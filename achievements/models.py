"""Achievements are data (moderators edit them in the admin); unlocks are written by services."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone


class AchievementQuerySet(models.QuerySet):
    def active(self) -> AchievementQuerySet:
        return self.filter(is_active=True)

    def not_unlocked_by(self, user) -> AchievementQuerySet:
        """Those the user has not unlocked yet (a subquery, so still one query)."""
        return self.exclude(
            pk__in=UserAchievement.objects.filter(user=user).values("achievement_id")
        )


class Achievement(models.Model):
    class Category(models.TextChoices):
        SESSIONS = "sessions", "Sessions"
        TIME = "time", "Focus time"
        STREAK = "streak", "Streaks"
        SOCIAL = "social", "Social"

    class Requirement(models.TextChoices):
        WORK_SESSIONS = "work_sessions", "Total work sessions"
        FOCUS_MINUTES = "focus_minutes", "Total focus minutes"
        STREAK_DAYS = "streak_days", "Streak days (longest streak)"
        COMMUNITY_POSTS = "community_posts", "Community posts"
        COMMUNITY_COMMENTS = "community_comments", "Community comments"
        LIKES_RECEIVED = "likes_received", "Likes received"
        ROOMS_JOINED = "rooms_joined", "Rooms joined"

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=80)
    description = models.CharField(max_length=200)
    icon = models.CharField(max_length=16, help_text="One emoji.")
    category = models.CharField(max_length=10, choices=Category)
    points = models.PositiveSmallIntegerField(default=10)
    requirement_type = models.CharField(max_length=24, choices=Requirement)
    requirement_value = models.PositiveIntegerField(
        validators=[MinValueValidator(1)],
        help_text="Unlocks when the user's count reaches this value.",
    )
    is_active = models.BooleanField(
        "active",
        default=True,
        help_text="Inactive ones are hidden and never unlock; deactivate rather than delete.",
    )
    sort_order = models.PositiveSmallIntegerField(default=0)

    objects = AchievementQuerySet.as_manager()

    class Meta:
        ordering = ["sort_order", "requirement_value", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(requirement_value__gte=1),
                name="achievements_requirement_value_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.icon} {self.name}"

    @property
    def unit(self) -> str:
        """What the requirement counts, for "12 / 50 sessions"."""
        return REQUIREMENT_UNITS[self.requirement_type]


REQUIREMENT_UNITS = {
    Achievement.Requirement.WORK_SESSIONS: "sessions",
    Achievement.Requirement.FOCUS_MINUTES: "minutes",
    Achievement.Requirement.STREAK_DAYS: "days",
    Achievement.Requirement.COMMUNITY_POSTS: "posts",
    Achievement.Requirement.COMMUNITY_COMMENTS: "comments",
    Achievement.Requirement.LIKES_RECEIVED: "likes",
    Achievement.Requirement.ROOMS_JOINED: "rooms",
}


class UserAchievement(models.Model):
    """One unlock. The unique constraint makes racing checks unlock an achievement once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="achievements"
    )
    # PROTECT: an unlocked achievement is history; moderators deactivate it instead.
    achievement = models.ForeignKey(Achievement, on_delete=models.PROTECT, related_name="unlocks")
    unlocked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-unlocked_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "achievement"], name="achievements_unlock_once_per_user"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} unlocked {self.achievement}"
