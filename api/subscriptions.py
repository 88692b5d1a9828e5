"""Tokens follow access: a ban and a logout from the site revoke the user's tokens, and
a revoked token's sockets close.

A password change revokes them too (api.apps connects allauth's and Django's signals).
"""

from __future__ import annotations

from api.services import token_group, tokens_revoke_all
from focusmate.events import TokensRevoked, UserDeactivated, UserLoggedOut, subscriber
from focusmate.lib import broadcast


@subscriber(UserDeactivated, UserLoggedOut)
def revoke_tokens(event: UserDeactivated | UserLoggedOut) -> None:
    tokens_revoke_all(user_id=event.user_id)


@subscriber(TokensRevoked)
def close_token_sockets(event: TokensRevoked) -> None:
    """Each token's sockets (api.consumers joins one group per token) stop at once."""
    with broadcast.batched():
        for token_id in event.token_ids:
            broadcast.send_now(token_group(token_id=token_id), {"type": "access.revoked"})
