"""The schedule's pages: the week, a session, scheduling and changing, booking with one
click, calendars, and one's schedule settings. Thin: access rules in access.py, reads in
queries.py, writes in services.py."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from focusmate.lib.http import answers_refusals, refusals_into
from scheduling import bookings, calendar, preferences, queries, repetition, services
from scheduling.access import owned_session, schedulable_room, session_page, visible_session
from scheduling.forms import (
    ROOMS_OWN,
    PreferencesForm,
    ScheduleFilterForm,
    SessionEditForm,
    SessionForm,
)
from scheduling.models import ScheduledSession, SchedulePreferences


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


@login_required
@require_GET
def schedule_week(request: HttpRequest) -> HttpResponse:
    """A week of the sessions one may see, day by day in one's own zone."""
    zone = request.user.tzinfo
    now = timezone.now()
    filters = ScheduleFilterForm(request.GET)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    today = now.astimezone(zone).date()
    try:
        monday = _week_start(chosen.get("week") or today)
        days = [monday + timedelta(days=n) for n in range(7)]
        start = repetition.local_start(day=monday, at=time(0), zone=zone)
        end = repetition.local_start(day=monday + timedelta(days=7), at=time(0), zone=zone)
    except OverflowError:  # a week at the calendar's very edge
        monday = _week_start(today)
        days = [monday + timedelta(days=n) for n in range(7)]
        start = repetition.local_start(day=monday, at=time(0), zone=zone)
        end = repetition.local_start(day=monday + timedelta(days=7), at=time(0), zone=zone)
    week = queries.schedule_week(
        user=request.user,
        start=start,
        end=end,
        mine=bool(chosen.get("mine")),
        booked=bool(chosen.get("booked")),
        room_id=chosen.get("room"),
        followed=bool(chosen.get("followed")),
    )
    by_day: dict[date, list[ScheduledSession]] = {day: [] for day in days}
    for session in week.sessions:
        by_day.setdefault(session.starts_at.astimezone(zone).date(), []).append(session)
    kept = {
        name: value
        for name, value in (
            ("mine", "1" if chosen.get("mine") else ""),
            ("booked", "1" if chosen.get("booked") else ""),
            ("followed", "1" if chosen.get("followed") else ""),
            ("room", chosen.get("room") or ""),
        )
        if value
    }
    context = {
        "days": [(day, by_day[day]) for day in days],
        "today": today,
        "monday": monday,
        "previous_week": monday - timedelta(days=7),
        "next_week": monday + timedelta(days=7),
        "more": week.more,
        "empty": not week.sessions,
        "filters": chosen,
        "kept": kept,
        "rooms": queries.rooms_to_filter(user=request.user),
        "limit_text": _limit_text(request.user, now),
        "now": now,
        "shown": week.sessions,
    }
    return render(request, "scheduling/week.html", context)


def _limit_text(user, now: datetime) -> str:
    """Why, and until when, the person may hold few bookings (empty: no limit)."""
    limit = queries.booking_limit(user=user, now=now)
    return limit.explanation(user.tzinfo) if limit else ""


def _return_to(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@login_required
@require_http_methods(["GET", "POST"])
def session_new(request: HttpRequest) -> HttpResponse:
    rooms = queries.rooms_to_schedule(user=request.user)
    initial = {"length": "25"}
    if request.GET.get("room", "").isdecimal():
        initial["room"] = schedulable_room(request, int(request.GET["room"][:9]))
    form = SessionForm(request.POST or None, rooms=rooms, zone=request.user.tzinfo, initial=initial)
    if request.method == "POST" and form.is_valid():
        with refusals_into(form):
            session = services.session_create(by=request.user, **form.service_arguments())
            messages.success(
                request,
                "Scheduled: the weekly sessions are on the schedule."
                if session.series_id
                else "Scheduled.",
            )
            return redirect("scheduling:session", session_id=session.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "scheduling/form.html", {"form": form, "creating": True}, status=status)


@login_required
@require_GET
def session_detail(request: HttpRequest, session_id: int) -> HttpResponse:
    session = visible_session(request, session_id)
    context = {
        "session": session,
        "people": queries.booked_people(session=session),
        "session_list": [session],
        "is_owner": session.room.owner_id == request.user.pk,
        "now": timezone.now(),
    }
    return render(request, "scheduling/session.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def session_edit(request: HttpRequest, session_id: int) -> HttpResponse:
    session = owned_session(request, session_id)
    zone = repetition.zone_named(name=session.timezone)
    local = session.starts_at.astimezone(zone)
    initial = {
        "date": local.date(),
        "time": local.time().replace(tzinfo=None),
        "length": str(session.work_minutes) if session.work_minutes else ROOMS_OWN,
        "capacity": session.capacity,
        "title": session.title,
    }
    form = SessionEditForm(request.POST or None, zone=zone, initial=initial)
    if request.method == "POST" and form.is_valid():
        with refusals_into(form):
            services.session_update(session=session, by=request.user, **form.service_arguments())
            messages.success(request, "Session saved.")
            return redirect("scheduling:session", session_id=session.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "scheduling/form.html",
        {"form": form, "session": session, "creating": False},
        status=status,
    )


@login_required
@require_POST
@answers_refusals(back=session_page)
def session_cancel(request: HttpRequest, session_id: int) -> HttpResponse:
    session = visible_session(request, session_id)
    whole = request.POST.get("scope") == "series"
    cancelled = services.session_cancel(session=session, by=request.user, whole_series=whole)
    messages.success(
        request,
        f"Cancelled {len(cancelled)} sessions." if len(cancelled) > 1 else "Session cancelled.",
    )
    return redirect("scheduling:session", session_id=session.pk)


def _booking_answer(request: HttpRequest, session_id: int) -> HttpResponse:
    if request.htmx:
        session = visible_session(request, session_id)
        return render(
            request,
            "scheduling/_booking.html",
            {"session": session, "now": timezone.now(), "next": request.POST.get("next", "")},
        )
    return redirect(_return_to(request, reverse("scheduling:session", args=[session_id])))


@login_required
@require_POST
@answers_refusals(back=session_page)
def session_book(request: HttpRequest, session_id: int) -> HttpResponse:
    session = visible_session(request, session_id)
    bookings.booking_create(session=session, user=request.user)
    if not request.htmx:
        messages.success(request, "You're booked.")
    return _booking_answer(request, session_id)


@login_required
@require_POST
@answers_refusals(back=session_page)
def session_unbook(request: HttpRequest, session_id: int) -> HttpResponse:
    session = visible_session(request, session_id)
    booking = bookings.booking_cancel(session=session, user=request.user)
    if not request.htmx:
        messages.success(
            request,
            "Seat cancelled (late: less than 10 minutes before the start)."
            if booking.cancelled_late
            else "Seat cancelled.",
        )
    return _booking_answer(request, session_id)


def _ics(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def session_ics(request: HttpRequest, session_id: int) -> HttpResponse:
    session = visible_session(request, session_id)
    url = request.build_absolute_uri(services.session_url(session=session))
    return _ics(
        calendar.session_ics(session, url=url, now=timezone.now()), f"session-{session.pk}.ics"
    )


@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """A person's private calendar feed; the token is the only key (calendar apps send
    no cookies). A regenerated token makes the old URL a 404 at once."""
    if len(token) > 64:
        raise Http404("No such feed.")
    preferences = get_object_or_404(
        SchedulePreferences.objects.select_related("user"), feed_token=token
    )
    user = preferences.user
    if not user.is_active:
        raise Http404("No such feed.")
    now = timezone.now()
    sessions = queries.feed_sessions(user=user, now=now)
    body = calendar.feed_ics(
        sessions,
        user=user,
        url_of=lambda session: request.build_absolute_uri(services.session_url(session=session)),
        now=now,
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response


def feed_url(request: HttpRequest, preferences: SchedulePreferences) -> str:
    return request.build_absolute_uri(
        reverse("scheduling:feed", kwargs={"token": preferences.feed_token})
    )


@login_required
@require_http_methods(["GET", "POST"])
def schedule_settings(request: HttpRequest) -> HttpResponse:
    """The reminder lead and the private feed URL (with a button for a new one)."""
    settings_row = preferences.preferences_for(user=request.user)
    form = PreferencesForm(request.POST or None, instance=settings_row)
    if request.method == "POST" and form.is_valid():
        with refusals_into(form):
            preferences.preferences_update(
                user=request.user,
                by=request.user,
                reminder_minutes=form.cleaned_data["reminder_minutes"],
            )
            messages.success(request, "Schedule settings saved.")
            return redirect("scheduling:settings")
    context = {"form": form, "feed_url": feed_url(request, settings_row)}
    status = 422 if request.method == "POST" else 200
    return render(request, "scheduling/settings.html", context, status=status)


@login_required
@require_POST
@answers_refusals(back=lambda request, **kwargs: reverse("scheduling:settings"), flash_only=True)
def feed_regenerate(request: HttpRequest) -> HttpResponse:
    preferences.feed_token_regenerate(user=request.user)
    messages.success(request, "A new feed URL is ready; the old one no longer works.")
    return redirect("scheduling:settings")
