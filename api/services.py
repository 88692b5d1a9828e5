"""Token writes: issue one at login, revoke one (logout) or all of a user's (a ban, a
password change, a logout from the site). Revoking also closes the sockets opened
with those tokens, through their access groups (focusmate.lib.sockets)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import require_active
from api.models import ApiToken, token_digest
from focusmate.lib import broadcast


def token_group(*, token_id: int) -> str:
    return f"access.apitoken.{token_id}"


def _close_sockets(token_ids: list[int]) -> None:
    def send() -> None:
        with broadcast.batched():
            for token_id in token_ids:
                broadcast.send_now(token_group(token_id=token_id), {"type": "access.revoked"})

    if token_ids:
        transaction.on_commit(send)


@transaction.atomic
def token_issue(*, user: User) -> tuple[ApiToken, str]:
    """A new token for `user`; returns the row and the secret, shown only this once."""
    require_active(user=user)
    secret = secrets.token_urlsafe(32)
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user,
        digest=token_digest(secret),
        created_at=now,
        expires_at=now + timedelta(seconds=settings.API_TOKEN_SECONDS),
    )
    return token, secret


@transaction.atomic
def token_revoke(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    _close_sockets([token.pk])


@transaction.atomic
def tokens_revoke_all(*, user_id: int) -> int:
    """Revokes every live token of the user; returns how many."""
    live = ApiToken.objects.filter(user_id=user_id, revoked_at__isnull=True)
    ids = list(live.values_list("pk", flat=True))
    live.filter(pk__in=ids).update(revoked_at=timezone.now())
    _close_sockets(ids)
    return len(ids)
