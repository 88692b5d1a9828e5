from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from achievements import queries, services


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    page = queries.achievements_page(user=request.user)
    return render(request, "achievements/index.html", {"page": page})


@login_required
@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    # Read first, so the page still shows which ones were new on this visit.
    items = queries.notifications_recent(user=request.user)
    services.notifications_mark_read(user=request.user)
    return render(request, "achievements/notifications.html", {"notifications": items})


@require_GET
def notifications_badge(request: HttpRequest) -> HttpResponse:
    """The nav's bell with the unread count, loaded lazily so other pages' costs stay put."""
    if not request.user.is_authenticated:
        # The nav only asks for logged-in users; a stale page after logout swaps nothing.
        return HttpResponse(status=204)
    unread = queries.notifications_unread_count(user=request.user)
    response = render(request, "achievements/_bell.html", {"unread": unread})
    response["Cache-Control"] = "no-store"
    return response
