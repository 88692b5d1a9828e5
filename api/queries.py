"""Reading a token: one indexed query with its user, its SQL compiled once."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from api.models import ApiToken, token_digest
from focusmate.lib.prepared import PreparedQuery

# Every token request runs this: building and compiling it cost more than running it.
_usable_by_digest = PreparedQuery(
    lambda digest, now: (
        ApiToken.objects.usable(now).select_related("user").filter(digest=digest)[:1]
    ),
    params={"digest": str, "now": datetime},
)


def token_for_secret(secret: str) -> ApiToken | None:
    """The usable token (not revoked, not expired, active user) with its user, or None."""
    if not secret or len(secret) > 200:
        return None
    found = _usable_by_digest.fetch(digest=token_digest(secret), now=timezone.now())
    return found[0] if found else None
