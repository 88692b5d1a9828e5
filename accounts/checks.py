"""System checks that keep the failed-login lockout in front of every way in."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register

LOCKOUT_BACKEND = "accounts.lockout.LoginLockoutBackend"


@register(Tags.security)
def lockout_backend_first(app_configs, **kwargs):
    """Django asks the backends in order: one before the lockout could log people in
    while they are locked out."""
    if settings.AUTHENTICATION_BACKENDS[:1] == [LOCKOUT_BACKEND]:
        return []
    return [
        Error(
            "The failed-login lockout is not the first authentication backend.",
            hint=f"Put {LOCKOUT_BACKEND!r} first in AUTHENTICATION_BACKENDS.",
            id="accounts.E001",
        )
    ]
