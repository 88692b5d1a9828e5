"""Deployment checks of our own, run by `check --deploy` and by `serve` in production."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def console_email_in_production(app_configs, **kwargs):
    """The console mailer writes every mail to the log, password-reset links included."""
    backend = settings.MAILERS["default"]["BACKEND"]
    if settings.DEBUG or not backend.endswith("console.EmailBackend"):
        return []
    if settings.ALLOW_CONSOLE_EMAIL:
        return []
    return [
        Error(
            "Mail would be written to the log, live password-reset links included.",
            hint="Set EMAIL_URL (e.g. smtp+tls://user:password@host:587), or "
            "ALLOW_CONSOLE_EMAIL=true if that really is what you want.",
            id="focusmate.E001",
        )
    ]
