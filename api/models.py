"""API access tokens: one row per token, expiring and revocable.

A token is an HS256 JWT (api.tokens) whose `jti` names its row. Tokens issued before
JWTs were opaque random secrets, kept as a SHA-256 `digest`; they work until they
expire. A row has exactly one of the two.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


def token_digest(secret: str) -> str:
    """The stored form of a token. A plain hash suffices (no salt, no slow KDF): the
    secret is 256 random bits, so there is nothing to guess, and a lookup stays one
    indexed equality."""
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def usable(self, now=None) -> ApiTokenQuerySet:
        """Neither revoked nor expired, and its user still active."""
        return self.filter(
            revoked_at__isnull=True,
            expires_at__gt=now or timezone.now(),
            user__is_active=True,
        )


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    # NULL, not "", for the kind a row is not: unique allows many NULLs, one "".
    jti = models.CharField(max_length=32, unique=True, null=True, editable=False)  # noqa: DJ001
    digest = models.CharField(max_length=64, unique=True, null=True, editable=False)  # noqa: DJ001
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(jti__isnull=False, digest__isnull=True)
                | Q(jti__isnull=True, digest__isnull=False),
                name="api_token_jti_or_digest",
            )
        ]
        indexes = [
            models.Index(
                fields=["user"], condition=Q(revoked_at__isnull=True), name="api_token_live_by_user"
            )
        ]

    def __str__(self) -> str:
        return f"token {self.pk} of {self.user_id}"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
