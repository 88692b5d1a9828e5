"""Site-wide pages: home, health and the error pages."""

from __future__ import annotations

import asyncio
import logging
import sys

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.static import serve

from dashboard import queries as dashboard
from focusmate.lib import ratelimit
from focusmate.lib.faults import RETRY_AFTER_SECONDS, UNAVAILABLE_MESSAGE, is_outage

logger = logging.getLogger(__name__)


def home(request: HttpRequest) -> HttpResponse:
    """A stranger's welcome, or a logged-in person's dashboard (live: dashboard app)."""
    if not request.user.is_authenticated:
        return render(request, "home.html")
    user = request.user
    context = {
        "today": dashboard.today(user=user),
        "following": dashboard.following_panel(viewer=user),
        "live_rooms": dashboard.live_rooms(),
        "tzname": user.timezone,
    }
    return render(request, "dashboard/home.html", context)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.exception("health: database check failed")
        return False


async def _channel_layer_round_trip() -> None:
    layer = get_channel_layer()
    # A publish to a group nobody is in: it needs a working connection to the layer's
    # backend, and it leaves nothing behind (no subscription, no queue).
    await asyncio.wait_for(layer.group_send("health", {"type": "health.ping"}), timeout=2)


def _channel_layer_ok() -> bool:
    if get_channel_layer() is None:
        return False
    try:
        async_to_sync(_channel_layer_round_trip)()
        return True
    except Exception:
        logger.exception("health: channel layer check failed")
        return False


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """200 when the site works; 503 when the database or the channel layer is down.

    Rate limits that can't be counted (their cache, Redis, is away) make the site
    "degraded", still 200: actions go on, counted or refused as each decides
    (focusmate.lib.ratelimit).
    """
    checks = {
        "database": "ok" if _database_ok() else "down",
        "channel_layer": "ok" if _channel_layer_ok() else "down",
    }
    healthy = all(value == "ok" for value in checks.values())
    counted = ratelimit.counting()
    if not counted:
        logger.warning("health: rate limits are not counted (the cache is unreachable)")
    status = "down" if not healthy else "ok" if counted else "degraded"
    return JsonResponse(
        {"status": status, **checks, "rate_limits": "ok" if counted else "not counted"},
        status=200 if healthy else 503,
    )


def admin_login(request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
    """The admin's login page, which has no password form: the site's login (allauth,
    with the failed-login lockout), then back to the admin.

    It never reads a POST, so nothing posted here authenticates anyone. Someone logged
    in without access to the admin is told so (sending them to the login would bring
    them straight back here).
    """
    target = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("admin:index")
    login_url = f"{reverse('account_login')}?{urlencode({REDIRECT_FIELD_NAME: target})}"
    if not request.user.is_authenticated:
        return redirect(login_url)
    if admin.site.has_permission(request):
        return redirect(target)
    return render(request, "admin/no_access.html", {"switch_url": login_url}, status=403)


@require_GET
def media(request: HttpRequest, path: str) -> HttpResponse:
    """An uploaded file, never interpreted as anything but what it is."""
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "public, max-age=3600"
    return response


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = str(exception) if exception and str(exception) else None
    return render(request, "errors/403.html", {"message": message}, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


UNAVAILABLE = UNAVAILABLE_MESSAGE
BROKEN = "Something went wrong on our side. Please try again."


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 page, or 503 while PostgreSQL or Redis is unreachable.

    Django calls this inside its handler for the uncaught exception, wherever it was
    raised (a view, or the session and authentication middleware's own queries), so
    the exception is at hand. The connection has a short connect timeout (settings):
    during a PostgreSQL outage requests fail fast, and Django reconnects on its own
    once it is back. No request context: the failure may be in a context processor.

    The JSON API answers JSON (`{"detail": ...}`) here too, and an htmx request a short
    text its page shows as a toast, rather than a page it would swap in.
    """
    outage = is_outage(sys.exc_info()[1])
    status = 503 if outage else 500
    if request.path.startswith("/api/"):
        # As the API's other errors from outside its views: the status's reason.
        detail = UNAVAILABLE if outage else "Internal Server Error"
        response = JsonResponse({"detail": detail}, status=status)
    elif request.headers.get("HX-Request"):
        response = HttpResponse(
            UNAVAILABLE if outage else BROKEN,
            status=status,
            content_type="text/plain; charset=utf-8",
        )
    else:
        template = "errors/503.html" if outage else "errors/500.html"
        response = HttpResponse(loader.get_template(template).render(), status=status)
    if outage:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
