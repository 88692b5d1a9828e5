"""The API's access tokens as HS256 JWTs (PyJWT), as the original backend issued them.

Claims: `sub` (the user's id, a string), `iat`, `exp` and `jti`, which names the token's
row (api.models.ApiToken). The signature proves the claims; the row decides whether the
token is still good, so a logout, a password change, a ban or a deleted row ends it at
once (api.queries.token_for_credential).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import jwt
from django.conf import settings

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ["sub", "exp", "iat", "jti"]


@dataclass(frozen=True)
class Claims:
    user_id: int
    jti: str


def encode(*, user_id: int, jti: str, issued_at: datetime, expires_at: datetime) -> str:
    return jwt.encode(
        {
            "sub": str(user_id),
            "iat": int(issued_at.timestamp()),
            "exp": int(expires_at.timestamp()),
            "jti": jti,
        },
        settings.JWT_SECRET_KEY,
        algorithm=ALGORITHM,
    )


def decode(token: str) -> Claims | None:
    """The claims of a token this server signed and that has not expired, else None."""
    try:
        claims = jwt.decode(
            token,
            settings.JWT_SECRET_KEY,
            algorithms=[ALGORITHM],
            # `iat` is not checked against this machine's clock: a token another server
            # issued a moment "later" by its clock is good (the row decides, not iat).
            options={"require": REQUIRED_CLAIMS, "verify_iat": False},
        )
    except jwt.InvalidTokenError:
        return None
    sub, jti = claims["sub"], claims["jti"]
    if not (isinstance(sub, str) and sub.isdecimal() and isinstance(jti, str) and len(jti) <= 32):
        return None
    return Claims(user_id=int(sub), jti=jti)


def looks_like_jwt(credential: str) -> bool:
    """A JWT has three dot-separated parts; the old opaque secrets (urlsafe base64)
    have no dot."""
    return credential.count(".") == 2
