"""Writes to the inbox. Other apps notify a person through `notify`, never by writing rows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from focusmate.events import NotificationCreated, publish_on_commit
from messaging.models import Notification


def notify(*, user: User, text: str, url: str = "") -> Notification:
    """Adds a line to `user`'s notifications; their open pages hear of it after commit."""
    return notify_many(user=user, lines=[(text, url)])[0]


def notify_many(
    *, user: User, lines: list[tuple[str, str]], at: datetime | None = None
) -> list[Notification]:
    """Adds several (text, url) lines in one insert, whatever their number."""
    at = at or timezone.now()
    notifications = Notification.objects.bulk_create(
        [
            Notification(user=user, text=text[:200], url=url[:200], created_at=at)
            for text, url in lines
        ]
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


def notify_replacing(
    *, user: User, url: str, at: datetime, text: Callable[[datetime], str]
) -> Notification:
    """One unread line per `url`: updates it if there is one, else adds it as of `at` (when
    what it tells of happened). `text` is given the time the unread line began, to say
    how much happened since ("5 people liked …")."""
    unread = Notification.objects.filter(user=user, url=url[:200]).unread().first()
    if unread is None:
        return notify_many(user=user, lines=[(text(at), url)], at=at)[0]
    unread.text = text(unread.created_at)[:200]
    unread.save(update_fields=["text"])
    publish_on_commit(
        NotificationCreated(
            user_id=user.pk, notification_id=unread.pk, text=unread.text, url=unread.url
        )
    )
    return unread


@transaction.atomic
def notifications_mark_read(*, user: User, up_to_id: int | None = None) -> int:
    """Marks the user's unread notifications read (those up to `up_to_id`, if given)."""
    unread = Notification.objects.filter(user=user).unread()
    if up_to_id is not None:
        unread = unread.filter(pk__lte=up_to_id)
    return unread.update(read_at=timezone.now())
