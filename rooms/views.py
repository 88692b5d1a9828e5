from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from focusmate.lib.http import answers_refusals, refusals_into, same_page
from messaging.queries import CHAT_CLOSED_DURING_WORK, chat_closed_reason, chat_lines
from rooms import services
from rooms.access import owned_room, room_page, visible_room
from rooms.forms import IntentionForm, RoomForm, RoomSearchForm
from rooms.models import Participant, Room
from rooms.queries import members_to_remove, people_in_room, rooms_to_page
from scheduling.queries import room_next_sessions
from timers import services as timer_services
from timers.models import Timer
from timers.rendering import timer_context, timer_view

ROOMS_PER_PAGE = 20


@login_required
@require_GET
def room_list(request: HttpRequest) -> HttpResponse:
    form = RoomSearchForm(request.GET)
    search = form.cleaned_data["q"] if form.is_valid() else ""
    page = Paginator(rooms_to_page(search=search), ROOMS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "search": search}
    if request.htmx and not request.htmx.boosted:
        return render(request, "rooms/list.html#results", context)
    return render(request, "rooms/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def room_create(request: HttpRequest) -> HttpResponse:
    form = RoomForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with refusals_into(form):
            room = services.room_create(owner=request.user, **form.cleaned_data)
            messages.success(request, f"“{room.name}” is ready. Share the link to invite people.")
            return redirect(room)
    status = 422 if request.method == "POST" else 200
    return render(request, "rooms/form.html", {"form": form, "creating": True}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def solo_room(request: HttpRequest) -> HttpResponse:
    """GET shows the way in (or goes to the room once it exists); POST creates it."""
    if request.method == "POST":
        return redirect(services.solo_room_for(user=request.user))
    existing = Room.objects.filter(owner=request.user, is_solo=True).first()
    if existing is not None:
        return redirect(existing)
    return render(request, "rooms/solo.html")


@login_required
@require_GET
def room_detail(request: HttpRequest, room_id: int) -> HttpResponse:
    viewing = visible_room(request, room_id)
    room, participant, present = viewing.room, viewing.participant, viewing.is_member
    timer = Timer.objects.get(room=room)
    timer.room = room
    lines, more_lines = chat_lines(room=room) if present else ([], False)
    now = timezone.now()
    context = {
        "room": room,
        "participant": participant,
        "is_member": present,
        "is_owner": room.owner_id == request.user.pk,
        "can_control": room.may_control_timer(request.user, participant),
        "people": people_in_room(room),
        "intention_form": IntentionForm(instance=participant) if present else None,
        "lines": lines,
        "more": more_lines,
        "closed_reason": chat_closed_reason(room=room, timer=timer, now=now),
        "next_sessions": room_next_sessions(room=room, user=request.user, now=now),
        "now": now,
        "closed_text": CHAT_CLOSED_DURING_WORK,
        **timer_context(timer),
    }
    return render(request, "rooms/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def room_edit(request: HttpRequest, room_id: int) -> HttpResponse:
    room = owned_room(request, room_id).room
    form = RoomForm(request.POST or None, instance=room)
    if request.method == "POST" and form.is_valid():
        with refusals_into(form):
            services.room_update(room=room, by=request.user, **form.cleaned_data)
            messages.success(request, "Room settings saved.")
            return redirect(room)
    status = 422 if request.method == "POST" else 200
    context = {
        "form": form,
        "room": room,
        "creating": False,
        "members": members_to_remove(room=room) if not room.is_public else [],
    }
    return render(request, "rooms/form.html", context, status=status)


def _settings_page(request: HttpRequest, *, room_id: int, **kwargs) -> str:
    return reverse("rooms:edit", kwargs={"room_id": room_id})


@login_required
@require_POST
@answers_refusals(back=_settings_page)
def room_member_remove(request: HttpRequest, room_id: int, user_id: int) -> HttpResponse:
    """The owner removes a member from their private room (the settings page's button)."""
    room = owned_room(request, room_id).room
    member = get_object_or_404(User, pk=user_id)
    services.room_member_remove(room=room, member=member, by=request.user)
    messages.success(request, f"{member.username} is no longer in “{room.name}”.")
    return redirect("rooms:edit", room_id=room.pk)


@login_required
@require_POST
@answers_refusals(back=room_page)
def room_close(request: HttpRequest, room_id: int) -> HttpResponse:
    room = owned_room(request, room_id).room
    services.room_close(room=room, by=request.user)
    messages.success(request, f"“{room.name}” is closed.")
    return redirect("rooms:list")


@login_required
@require_POST
def room_regenerate_invite(request: HttpRequest, room_id: int) -> HttpResponse:
    room = owned_room(request, room_id).room
    services.room_regenerate_invite(room=room, by=request.user)
    messages.success(request, "A new invite link is ready; the old one no longer works.")
    return redirect(room)


@login_required
@require_http_methods(["GET", "POST"])
@answers_refusals(back=same_page)
def room_invite(request: HttpRequest, token: str) -> HttpResponse:
    room = get_object_or_404(
        Room.objects.select_related("owner"), invite_token=token, is_active=True
    )
    if request.method == "POST":
        services.room_join(room=room, user=request.user, token=token)
        return redirect(room)
    if Participant.objects.present().filter(room=room, user=request.user).exists():
        return redirect(room)
    return render(request, "rooms/invite.html", {"room": room, "token": token})


@login_required
@require_POST
@answers_refusals(back=room_page)
def room_join(request: HttpRequest, room_id: int) -> HttpResponse:
    room = visible_room(request, room_id).room
    services.room_join(room=room, user=request.user)
    return redirect(room)


@login_required
@require_POST
@answers_refusals(back=room_page)
def room_leave(request: HttpRequest, room_id: int) -> HttpResponse:
    room = visible_room(request, room_id).room
    services.room_leave(room=room, user=request.user)
    messages.success(request, f"You left “{room.name}”.")
    return redirect("rooms:list")


@login_required
@require_POST
@answers_refusals(back=room_page)
def room_intention(request: HttpRequest, room_id: int) -> HttpResponse:
    viewing = visible_room(request, room_id)
    room = viewing.room
    form = IntentionForm(request.POST, instance=viewing.participant)
    if not form.is_valid():
        raise ValidationError(form.errors["intention"])
    services.participant_set_intention(
        room=room, user=request.user, intention=form.cleaned_data["intention"]
    )
    if request.htmx:
        return HttpResponse(status=204)
    return redirect(room)


@login_required
@require_http_methods(["GET", "POST"])
@answers_refusals(back=room_page)
def room_timer(request: HttpRequest, room_id: int) -> HttpResponse:
    """GET: the timer partial (a resync). POST: a control command from a button."""
    viewing = visible_room(request, room_id)
    room = viewing.room
    if request.method == "POST":
        timer = timer_services.timer_command(
            room=room,
            by=request.user,
            participant=viewing.participant,
            action=request.POST.get("action", ""),
        )
        if not request.htmx:
            return redirect(room)
        view = timer_view(timer)  # the one the push was made from
    else:
        now = timezone.now()
        timer = timer_services.timer_advance(room_id=room.pk, now=now)
        timer.room = room
        view = timer_view(timer, at=now)
    return HttpResponse(view.html(csrf_token=get_token(request)))
