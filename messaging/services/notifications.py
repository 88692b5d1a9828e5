"""Writes to the inbox. Other apps notify a person through `notify`, never by writing rows."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from focusmate.events import NotificationCreated, publish_on_commit
from messaging.models import Notification


def notify(*, user: User, text: str, url: str = "") -> Notification:
    """Adds a line to `user`'s notifications; their open pages hear of it after commit."""
    return notify_many(user=user, lines=[(text, url)])[0]


def notify_many(*, user: User, lines: list[tuple[str, str]]) -> list[Notification]:
    """Adds several (text, url) lines in one insert, whatever their number."""
    notifications = Notification.objects.bulk_create(
        [Notification(user=user, text=text[:200], url=url[:200]) for text, url in lines]
    )
    for notification in notifications:
        publish_on_commit(
            NotificationCreated(
                user_id=user.pk,
                notification_id=notification.pk,
                text=notification.text,
                url=notification.url,
            )
        )
    return notifications


@transaction.atomic
def notifications_mark_read(*, user: User, up_to_id: int | None = None) -> int:
    """Marks the user's unread notifications read (those up to `up_to_id`, if given)."""
    unread = Notification.objects.filter(user=user).unread()
    if up_to_id is not None:
        unread = unread.filter(pk__lte=up_to_id)
    return unread.update(read_at=timezone.now())
