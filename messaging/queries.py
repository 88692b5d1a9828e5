from __future__ import annotations

from accounts.models import User
from messaging.models import Notification


def notifications_recent(*, user: User, limit: int = 50) -> list[Notification]:
    return list(Notification.objects.filter(user=user)[:limit])


def notifications_unread_count(*, user: User) -> int:
    return Notification.objects.filter(user=user).unread().count()
