"""What the inbox does after other apps' writes commit."""

from __future__ import annotations

from django.template.loader import render_to_string

from accounts.models import User
from focusmate.events import NotificationCreated, UserWarned, subscriber
from focusmate.lib import broadcast
from messaging.services import notify


@subscriber(NotificationCreated)
def push_bell(event: NotificationCreated) -> None:
    """The user's open pages reload their bell's count (a placeholder that fetches it)."""
    html = render_to_string("messaging/_bell.html", {"oob": True, "unread": None})
    broadcast.send_now(
        broadcast.user_group(event.user_id),
        broadcast.message(
            "notification.created",
            html=html,
            data={"id": event.notification_id, "text": event.text, "url": event.url},
        ),
    )


@subscriber(UserWarned)
def notify_warning(event: UserWarned) -> None:
    user = User.objects.filter(pk=event.user_id).first()
    if user is not None:
        notify(user=user, text=f"A moderator warned you: {event.text}")
