"""Every error is JSON `{"detail": ...}` with a status a client can act on.

The services raise Django's domain errors; this is the one place they become statuses:
PermissionDenied 403, a RateLimited one 429 with Retry-After, Http404 404, ValidationError
422 (409 when the request was fine but the state does not allow it, see `conflict`), a
body that is not JSON 415 (api/parser.py), and PostgreSQL or Redis away 503 with
Retry-After (focusmate.lib.faults). What fails before the API is reached (the
middleware's session read) gets the same JSON from focusmate.views.server_error.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import HttpError

from focusmate.lib.faults import OUTAGE_ERRORS, RETRY_AFTER_SECONDS, UNAVAILABLE_MESSAGE
from focusmate.lib.http import error_message
from focusmate.lib.ratelimit import RateLimited

# Codes a service gives a ValidationError when the state, not the input, is the problem.
CONFLICT_CODES = {"illegal", "conflict", "unique"}


def _codes(error: ValidationError) -> set:
    if hasattr(error, "error_dict"):
        return {e.code for errors in error.error_dict.values() for e in errors}
    return {e.code for e in error.error_list}


class Conflict(HttpError):
    def __init__(self, message: str) -> None:
        super().__init__(409, message)


def conflict(error: ValidationError) -> Conflict:
    """For a service's refusal that is about the current state (a closed room, leaving a
    room one is not in): the same message, as 409."""
    return Conflict(error_message(error))


def install(api: NinjaAPI) -> None:
    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
        # django-ninja answers any error of the body parser with 400 "Cannot parse
        # request body"; one the parser raised on purpose (415) keeps its own status.
        if isinstance(error.__cause__, HttpError):
            error = error.__cause__
        return api.create_response(request, {"detail": str(error)}, status=error.status_code)

    def unavailable(request: HttpRequest, error: Exception) -> HttpResponse:
        response = api.create_response(request, {"detail": UNAVAILABLE_MESSAGE}, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    for outage in OUTAGE_ERRORS:
        api.add_exception_handler(outage, unavailable)

    @api.exception_handler(RateLimited)
    def rate_limited(request: HttpRequest, error: RateLimited) -> HttpResponse:
        response = api.create_response(request, {"detail": error_message(error)}, status=429)
        if error.retry_after:
            response["Retry-After"] = str(error.retry_after)
        return response

    @api.exception_handler(PermissionDenied)
    def permission_denied(request: HttpRequest, error: PermissionDenied) -> HttpResponse:
        return api.create_response(request, {"detail": error_message(error)}, status=403)

    @api.exception_handler(ValidationError)
    def invalid(request: HttpRequest, error: ValidationError) -> HttpResponse:
        status = 409 if _codes(error) & CONFLICT_CODES else 422
        return api.create_response(request, {"detail": error_message(error)}, status=status)
