"""Unlocks, and new achievements. Subscribers call `achievements_check` after the writes
that change a count commit (a session recorded, a room joined; the community's posts,
comments and likes); the API lets a person run it for themselves (it is idempotent)."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.services import require_active
from achievements import queries
from achievements.models import Achievement, UserAchievement
from focusmate.events import AchievementsUnlocked, publish_on_commit
from messaging.services import notify_many
from moderation.services import is_moderator


@transaction.atomic
def achievements_check(*, user: User, push: bool = True) -> list[UserAchievement]:
    """Unlocks every active achievement the user has earned; returns the new unlocks.

    Costs a bounded number of queries (pending achievements, one per requirement source,
    then the writes if anything unlocked), not one per achievement. Each new unlock adds
    a notification; with `push` the user's open pages also get one toast, after commit.
    Racing checks for the same user unlock once: the unique constraint drops the loser's
    insert, and the re-read below only returns rows this call wrote.
    """
    if not user.is_active:
        return []
    due = queries.achievements_due(user=user)
    if not due:
        return []
    now = timezone.now()
    UserAchievement.objects.bulk_create(
        [
            UserAchievement(user=user, achievement=achievement, unlocked_at=now)
            for achievement in due
        ],
        ignore_conflicts=True,
    )
    # ignore_conflicts gives no ids back; a row a racing check won carries its own time.
    new_unlocks = list(
        UserAchievement.objects.filter(user=user, achievement__in=due, unlocked_at=now)
        .select_related("achievement")
        .order_by("achievement__sort_order", "achievement__requirement_value", "pk")
    )
    if not new_unlocks:
        return []
    page_url = reverse("achievements:index")
    notify_many(
        user=user,
        lines=[
            (
                f"Achievement unlocked: {unlock.achievement.icon} {unlock.achievement.name}",
                f"{page_url}#{unlock.achievement.slug}",
            )
            for unlock in new_unlocks
        ],
    )
    if push:
        publish_on_commit(
            AchievementsUnlocked(
                user_id=user.pk,
                achievement_ids=tuple(unlock.achievement_id for unlock in new_unlocks),
            )
        )
    return new_unlocks


def achievements_check_many(
    *, users: Iterable[User], push: bool = True
) -> dict[int, list[UserAchievement]]:
    """Checks each user in its own transaction; returns the new unlocks by user id."""
    return {user.pk: achievements_check(user=user, push=push) for user in users}


@transaction.atomic
def achievement_create(*, by: User, **fields) -> Achievement:
    """A new achievement (moderators only), as the admin would save it; nobody unlocks it
    until their next check."""
    require_active(user=by)
    if not is_moderator(user=by):
        raise PermissionDenied("Only moderators can add achievements.")
    achievement = Achievement(**fields)
    achievement.full_clean()
    achievement.save()
    return achievement
