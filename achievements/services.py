"""Unlocks and notifications. Never called from the browser: the services that change a
count (a session recorded, a room joined, a post, comment or like) call `achievements_check`."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from achievements import queries
from achievements.models import Notification, UserAchievement
from focusmate.lib.broadcast import send_html_on_commit, user_group


@transaction.atomic
def achievements_check(*, user: User, push: bool = True) -> list[UserAchievement]:
    """Unlocks every active achievement the user has earned; returns the new unlocks.

    Costs a bounded number of queries (pending achievements, one per requirement source,
    then three writes if anything unlocked), not one per achievement. Each new unlock gets
    a Notification row; with `push` the user's open pages also get one toast message,
    sent after commit. Racing checks for the same user unlock once: the unique constraint
    drops the loser's insert, and the re-read below only returns rows this call wrote.
    """
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
    Notification.objects.bulk_create(
        [
            Notification(
                user=user,
                text=f"Achievement unlocked: {unlock.achievement.icon} {unlock.achievement.name}",
                url=f"{page_url}#{unlock.achievement.slug}",
                created_at=now,
            )
            for unlock in new_unlocks
        ]
    )
    if push:
        html = render_to_string("achievements/_unlock_toast.html", {"unlocks": new_unlocks})
        send_html_on_commit(user_group(user.pk), html)
    return new_unlocks


def achievements_check_many(
    *, users: Iterable[User], push: bool = True
) -> dict[int, list[UserAchievement]]:
    """Checks each user in its own transaction; returns the new unlocks by user id."""
    return {user.pk: achievements_check(user=user, push=push) for user in users}


@transaction.atomic
def notifications_mark_read(*, user: User) -> int:
    """Marks all of the user's unread notifications read; returns how many."""
    return Notification.objects.filter(user=user).unread().update(read_at=timezone.now())
