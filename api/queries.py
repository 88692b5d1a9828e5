"""Reading a token: one indexed query with its user."""

from __future__ import annotations

from api.models import ApiToken, token_digest


def token_for_secret(secret: str) -> ApiToken | None:
    """The usable token (not revoked, not expired, active user) with its user, or None."""
    if not secret or len(secret) > 200:
        return None
    return (
        ApiToken.objects.usable().select_related("user").filter(digest=token_digest(secret)).first()
    )
