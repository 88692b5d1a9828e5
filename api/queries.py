"""The API's reads: a token (one indexed query with its user, its SQL compiled once), and
what the socket's original messages need (api.original_socket)."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from api import tokens
from api.models import ApiToken, token_digest
from focusmate.lib.prepared import PreparedQuery
from rooms.models import Participant, Room

# Every token request runs this: building and compiling it cost more than running it.
_usable_by_digest = PreparedQuery(
    lambda digest, now: (
        ApiToken.objects.usable(now).select_related("user").filter(digest=digest)[:1]
    ),
    params={"digest": str, "now": datetime},
)

_usable_by_jti = PreparedQuery(
    lambda jti, now: ApiToken.objects.usable(now).select_related("user").filter(jti=jti)[:1],
    params={"jti": str, "now": datetime},
)

# A JWT of ours is ~200 characters; anything much longer is not one.
MAX_CREDENTIAL_LENGTH = 1000


def token_for_credential(credential: str | None) -> ApiToken | None:
    """The usable token (not revoked, not expired, active user) with its user, or None.

    `credential` is what the client sent: a JWT (its signature and expiry checked, then
    its row found by `jti`), or an opaque secret issued before JWTs (found by digest).
    """
    if not credential or len(credential) > MAX_CREDENTIAL_LENGTH:
        return None
    now = timezone.now()
    if tokens.looks_like_jwt(credential):
        claims = tokens.decode(credential)
        if claims is None:
            return None
        found = _usable_by_jti.fetch(jti=claims.jti, now=now)
        if found and found[0].user_id != claims.user_id:
            return None  # signed by us, so never expected; refuse rather than guess
    else:
        found = _usable_by_digest.fetch(digest=token_digest(credential), now=now)
    return found[0] if found else None


def participants_by_user(*, room_id: int, user_ids) -> dict[int, Participant]:
    """These people's memberships of the room (present or left), with their user, the
    room (its owner is the host) and whether they are online, in one query."""
    found = (
        Participant.objects.filter(room_id=room_id, user_id__in=list(user_ids))
        .select_related("user", "room")
        .with_online()
        .with_checkout()
    )
    return {participant.user_id: participant for participant in found}


def room_with_owner(room_id: int) -> Room | None:
    return Room.objects.select_related("owner").filter(pk=room_id).first()
