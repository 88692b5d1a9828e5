from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from messaging import queries, services
from messaging.forms import MarkReadForm


@login_required
@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    """The list, read-only: marking read is the explicit POST below (GET changes nothing)."""
    items = queries.notifications_recent(user=request.user)
    newest_unread = max((n.pk for n in items if n.read_at is None), default=None)
    return render(
        request,
        "messaging/notifications.html",
        {"notifications": items, "newest_unread": newest_unread},
    )


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    """Marks read what the page showed (up to an id), not what arrived since."""
    form = MarkReadForm(request.POST)
    up_to = form.cleaned_data["up_to"] if form.is_valid() else None
    services.notifications_mark_read(user=request.user, up_to_id=up_to)
    if request.htmx:
        unread = queries.notifications_unread_count(user=request.user)
        return render(request, "messaging/_bell.html", {"unread": unread, "oob": True})
    return redirect("messaging:notifications")


@require_GET
def notifications_badge(request: HttpRequest) -> HttpResponse:
    """The nav's bell with the unread count, loaded lazily so other pages' costs stay put;
    the messages link's count rides along (out of band), so a page asks once for both."""
    if not request.user.is_authenticated:
        # The nav only asks for logged-in users; a stale page after logout swaps nothing.
        return HttpResponse(status=204)
    unread, unread_messages = queries.nav_counts(user=request.user)
    response = render(
        request, "messaging/_bell.html", {"unread": unread, "unread_messages": unread_messages}
    )
    response["Cache-Control"] = "no-store"
    return response
