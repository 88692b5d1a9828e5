"""Room chat over HTTP: older lines on scroll, what a reconnecting page missed, a send
for pages without the socket, reports, and the moderators' view."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from focusmate.lib.http import answers_refusals
from messaging import queries, services
from messaging.forms import MessageForm, PageForm
from messaging.models import ChatMessage
from messaging.views.direct import report_view
from moderation.services import is_moderator
from rooms.access import room_page
from rooms.queries import room_for_viewer


def _room_as_member(request: HttpRequest, room_id: int):
    """The room if the requester is present in it now; otherwise a 404 (private rooms
    don't exist for outsiders, and a public room's chat is its members')."""
    viewing = room_for_viewer(room_id=room_id, user=request.user)
    if viewing is None or not viewing.is_member:
        raise Http404("No such chat.")
    return viewing.room


@login_required
@require_GET
def chat_lines(request: HttpRequest, room_id: int) -> HttpResponse:
    room = _room_as_member(request, room_id)
    form = PageForm(request.GET)
    if not form.is_valid():
        raise Http404("No such page of the chat.")
    before, after = form.cleaned_data.get("before"), form.cleaned_data.get("after")
    lines, more = queries.chat_lines(room=room, before=before, after=after)
    context = {"lines": lines, "more": more, "room": room, "before": before}
    if after is not None:
        response = render(request, "messaging/_chat_lines.html", context)
        response["X-More"] = "1" if more else "0"
    else:
        response = render(request, "messaging/_room_chat.html#older", context)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
@answers_refusals(back=room_page)
def chat_send(request: HttpRequest, room_id: int) -> HttpResponse:
    """The chat box's fallback without the socket (the page normally sends a frame)."""
    room = _room_as_member(request, room_id)
    form = MessageForm({"body": request.POST.get("chat", "")})
    if not form.is_valid():
        raise ValidationError([e for errors in form.errors.values() for e in errors])
    services.chat_post(room=room, by=request.user, body=form.cleaned_data["body"])
    if request.htmx:
        return HttpResponse(status=204)
    return redirect(room)


@login_required
@require_http_methods(["GET", "POST"])
def chat_report(request: HttpRequest, message_id: int) -> HttpResponse:
    line = queries.chat_line_for_member(line_id=message_id, user=request.user)
    if line is None:
        raise Http404("No such chat message.")
    return report_view(
        request, target=line, author=line.sender, back=line.room.get_absolute_url(), kind="chat"
    )


@login_required
@require_GET
def chat_context(request: HttpRequest, message_id: int) -> HttpResponse:
    """For moderators only: the reported line and a few around it."""
    if not is_moderator(user=request.user):
        raise Http404("No such page.")
    line = get_object_or_404(ChatMessage.objects.select_related("sender", "room"), pk=message_id)
    return render(
        request,
        "messaging/context.html",
        {"reported": line, "neighbours": queries.chat_neighbours(line=line), "room": line.room},
    )
