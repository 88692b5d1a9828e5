"""What direct messages and room chat share: the body's rules and one rate limit."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from accounts.models import User
from focusmate.lib.ratelimit import hit, limit_for
from messaging.models import MESSAGE_MAX_LENGTH

# Per minute, across direct messages and room chat together.
MESSAGES_PER_MINUTE = 30
MESSAGES_PER_MINUTE_NEW_ACCOUNT = 10


def clean_body(body: str) -> str:
    """The text as stored: trimmed, not empty, within the limit, no NUL characters."""
    body = (body or "").strip()
    if not body:
        raise ValidationError("Write something first.")
    if len(body) > MESSAGE_MAX_LENGTH:
        raise ValidationError(
            f"Keep a message to {MESSAGE_MAX_LENGTH:,} characters (this one has {len(body):,})."
        )
    if "\x00" in body:
        raise ValidationError("That message contains characters that can't be sent.")
    return body


def count_message(user: User) -> None:
    """One message sent by `user`; RateLimited (with when to retry) past the limit."""
    hit(
        f"messages:{user.pk}",
        limit=limit_for(
            user, normal=MESSAGES_PER_MINUTE, new_account=MESSAGES_PER_MINUTE_NEW_ACCOUNT
        ),
        per_seconds=60,
    )
