"""Small site-wide HTTP behaviours."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import resolve_url


class HtmxLoginRedirectMiddleware:
    """Sends an HTMX request whose session expired to the login page as a whole page.

    HTMX follows a plain redirect inside its request and would swap the login page into
    whatever fragment was being updated (the timer, a list); `HX-Redirect` makes the
    browser navigate instead.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            getattr(request, "htmx", False)
            and response.status_code == 302
            and response["Location"].startswith(resolve_url(settings.LOGIN_URL))
        ):
            redirect = HttpResponse(status=204)
            redirect["HX-Redirect"] = response["Location"]
            return redirect
        return response


class RejectNulMiddleware:
    """Refuses a request whose address carries a NUL byte, with a 400, before any view.

    PostgreSQL refuses NUL in text, so such a value used in a lookup (`/u/%00/`, an
    invite token) would otherwise end as a database error, a 500. Form fields already
    refuse NUL in what is posted (Django's CharField validator).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "%00" in query or "\x00" in query:
            if request.path.startswith("/api/"):  # the JSON API answers JSON, even here
                return JsonResponse({"detail": "That address isn't valid."}, status=400)
            return HttpResponseBadRequest(
                "That address isn't valid.", content_type="text/plain; charset=utf-8"
            )
        return self.get_response(request)
