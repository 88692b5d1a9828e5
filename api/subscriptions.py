"""Tokens follow access: a ban and a logout from the site revoke the user's tokens.

A password change revokes them too (api.apps connects allauth's and Django's signals).
"""

from __future__ import annotations

from api.services import tokens_revoke_all
from focusmate.events import UserDeactivated, UserLoggedOut, subscriber


@subscriber(UserDeactivated, UserLoggedOut)
def revoke_tokens(event: UserDeactivated | UserLoggedOut) -> None:
    tokens_revoke_all(user_id=event.user_id)
