"""Turning domain errors from services into answers a person can read."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from focusmate.lib.ratelimit import RateLimited


def error_message(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or "You can't do that."


def error_response(request: HttpRequest, error: Exception, *, fallback_url: str) -> HttpResponse:
    """For HTMX: a short text the page shows as a toast. Otherwise: a message and a redirect."""
    status = (
        429
        if isinstance(error, RateLimited)
        else 403
        if isinstance(error, PermissionDenied)
        else 400
    )
    if getattr(request, "htmx", False):
        return HttpResponse(
            error_message(error), status=status, content_type="text/plain; charset=utf-8"
        )
    messages.error(request, error_message(error))
    return redirect(fallback_url)
