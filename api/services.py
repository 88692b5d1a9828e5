"""Token writes: issue one at login, swap one for a new one (refresh), revoke one
(logout) or all of a user's (a ban, a password change, a logout from the site), delete
some (the admin). Ending a token publishes `TokensRevoked`, on which the sockets opened
with it close (api.subscriptions, through their access groups: focusmate.lib.sockets)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import require_active
from api import tokens
from api.models import ApiToken
from focusmate.events import TokensRevoked, publish_on_commit


def token_group(*, token_id: int) -> str:
    return f"access.apitoken.{token_id}"


def _close_sockets(token_ids: list[int]) -> None:
    if token_ids:
        publish_on_commit(TokensRevoked(token_ids=tuple(token_ids)))


@transaction.atomic
def token_issue(*, user: User) -> tuple[ApiToken, str]:
    """A new token for `user`; returns the row and the JWT. The row keeps only its `jti`:
    the JWT is not stored, and without the signing key it can't be made again."""
    require_active(user=user)
    now = timezone.now().replace(microsecond=0)  # JWT times are whole seconds
    token = ApiToken.objects.create(
        user=user,
        jti=uuid.uuid4().hex,
        created_at=now,
        expires_at=now + timedelta(seconds=settings.API_TOKEN_SECONDS),
    )
    encoded = tokens.encode(
        user_id=user.pk, jti=token.jti, issued_at=now, expires_at=token.expires_at
    )
    return token, encoded


@transaction.atomic
def token_refresh(*, token: ApiToken) -> tuple[ApiToken, str]:
    """A new token in place of `token`, which stops working, and so do the sockets opened
    with it (the client reconnects with the new one: a socket must not outlive the token
    a later logout revokes). Only one of two refreshes racing with the same token gets a
    new one: the other finds it already revoked."""
    revoked = ApiToken.objects.filter(
        pk=token.pk, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).update(revoked_at=timezone.now())
    if not revoked:
        raise PermissionDenied("This token is no longer valid; log in again.")
    _close_sockets([token.pk])
    return token_issue(user=token.user)


@transaction.atomic
def token_revoke(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    _close_sockets([token.pk])


@transaction.atomic
def tokens_delete(*, token_ids: list[int]) -> None:
    """Deletes the rows (the admin's delete): their tokens fail at once, as revoked ones do."""
    ApiToken.objects.filter(pk__in=token_ids).delete()
    _close_sockets(list(token_ids))


@transaction.atomic
def tokens_revoke_all(*, user_id: int) -> int:
    """Revokes every live token of the user; returns how many."""
    live = ApiToken.objects.filter(user_id=user_id, revoked_at__isnull=True)
    ids = list(live.values_list("pk", flat=True))
    live.filter(pk__in=ids).update(revoked_at=timezone.now())
    _close_sockets(ids)
    return len(ids)
