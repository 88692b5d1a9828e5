from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.handlers.asgi import ASGIRequest
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods

from focusmate.lib.http import answers_refusals
from rooms.access import board_room, listed_board_rooms
from rooms.models import Room
from scheduling.attendance import attendance_record
from stats import charts, queries, services
from stats.export import history_csv_chunks, in_worker_thread
from stats.forms import DEFAULT_DAYS, PRESET_DAYS, ExportForm, PeriodForm
from stats.models import NOTE_MAX_LENGTH, Outcome, SessionHistory
from stats.queries import Period
from stats.streaks import user_streaks


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    user = request.user
    today = timezone.localdate(timezone=user.tzinfo)
    form = PeriodForm(request.GET or None, today=today)
    period = form.period()
    chosen = form.cleaned_data["range"] if form.is_valid() else str(DEFAULT_DAYS)
    days = queries.daily_focus(user=user, period=period)
    context = {
        "form": form,
        "chosen": chosen,
        "presets": [str(days) for days in PRESET_DAYS],
        "period": period,
        "summary": queries.period_summary(user=user, period=period),
        "best_day": queries.best_day(days),
        "daily_chart": charts.daily_focus_bars(days),
        "hourly_chart": charts.hourly_bars(queries.work_sessions_by_hour(user=user, period=period)),
        "export_query": _export_query(period),
        "recent_goals": queries.recent_goals(user=user, period=period),
    }
    if request.htmx:
        response = render(request, "stats/overview.html#stats-body", context)
    else:
        # The parts that do not depend on the chosen period: not recomputed for HTMX.
        heatmap_days = queries.daily_focus(user=user, period=queries.heatmap_period(today=today))
        context["heatmap"] = charts.year_heatmap(heatmap_days)
        context["streaks"] = user_streaks(user=user)
        context["attendance"] = attendance_record(user=user)
        response = render(request, "stats/overview.html", context)
    # One URL serves the page and its fragment: caches and history must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


def _export_query(period: Period) -> str:
    return urlencode(
        {"range": "custom", "start": period.start.isoformat(), "end": period.end.isoformat()}
    )


@login_required
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = ExportForm(request.GET, today=timezone.localdate(timezone=user.tzinfo))
    if not form.is_valid():
        errors = "; ".join(error for errors in form.errors.values() for error in errors)
        return HttpResponse(
            f"Cannot export: {errors}", status=400, content_type="text/plain; charset=utf-8"
        )
    period = form.period()
    sessions = queries.history_in(user=user, period=period)
    chunks = history_csv_chunks(sessions=sessions, tz=user.tzinfo)
    if isinstance(request, ASGIRequest):
        chunks = in_worker_thread(chunks)
    span = "all" if period is None else f"{period.start:%Y%m%d}-{period.end:%Y%m%d}"
    response = StreamingHttpResponse(chunks, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="focusmate-history-{span}.csv"'
    return response


def _board_room_for_user(request: HttpRequest) -> Room | None:
    """The room named by ?room=, if the user may see its board; 404 otherwise."""
    room_id = request.GET.get("room", "")
    if not room_id:
        return None
    if not (room_id.isascii() and room_id.isdigit() and len(room_id) < 19):
        raise Http404("No such room.")  # "²" is a digit to isdigit(), not to int()
    return board_room(request, int(room_id))


@login_required
@require_GET
def leaderboard(request: HttpRequest) -> HttpResponse:
    room = _board_room_for_user(request)
    since = queries.week_start(user=request.user)
    context = {
        "room": room,
        # The local date: the template would render an aware datetime in UTC.
        "since_day": since.date(),
        "rows": queries.leaderboard(since=since, room_id=room.pk if room else None),
        "rooms": listed_board_rooms(user=request.user),
    }
    return render(request, "stats/leaderboard.html", context)


# Ids in a URL beyond PostgreSQL's integer are no row (and never a database error).
MAX_ID = 2**31 - 1


def _room_page(request: HttpRequest, *, room_id: int, **_kwargs) -> str:
    return reverse("rooms:detail", kwargs={"room_id": room_id})


def _where_asked(request: HttpRequest, *, room_id: int, **_kwargs) -> str:
    """Back to the room's page when the panel was there, else to the check-out page."""
    if request.POST.get("in") == "room":
        return _room_page(request, room_id=room_id)
    return request.path


@login_required
@require_http_methods(["GET", "POST"])
@answers_refusals(back=_where_asked)
def checkout(request: HttpRequest, room_id: int, seq: int) -> HttpResponse:
    """ "Did you do it?" for the person's own work phase `seq` of the room.

    GET: the panel (for HTMX, nothing while that phase has no row of theirs: not ended,
    or they were not there), `?edit=1` to change an answer, `?collapsed=1` closed until
    clicked (the room page, when the prompt does not show by itself), `?unanswered=1`
    nothing once answered (a room page opened during a break). POST `outcome` and
    an optional `note`: the answer, then the panel as answered.
    """
    if room_id > MAX_ID or seq > MAX_ID:
        raise Http404("No such work session.")
    in_room = (request.POST if request.method == "POST" else request.GET).get("in") == "room"
    if request.method == "POST":
        session = services.phase_check_out(
            by=request.user,
            room_id=room_id,
            seq=seq,
            outcome=request.POST.get("outcome", ""),
            note=request.POST.get("note", ""),
        )
        if not request.htmx:
            messages.success(request, f"Checked out: {session.get_outcome_display()}.")
            return redirect(_room_page(request, room_id=room_id) if in_room else request.path)
        return _panel(request, session, editing=False, closable=in_room)
    session = queries.phase_session(user=request.user, room_id=room_id, seq=seq)
    unwanted = session is not None and session.outcome and "unanswered" in request.GET
    if session is None or session.kind != SessionHistory.Kind.WORK or unwanted:
        if request.htmx:
            return HttpResponse("")
        raise Http404("No such work session of yours.")
    editing = not session.outcome or "edit" in request.GET
    if not request.htmx:
        response = render(request, "stats/checkout.html", _panel_context(session, editing=editing))
    else:
        response = _panel(
            request,
            session,
            editing=editing,
            closable=in_room,
            collapsed=request.GET.get("collapsed") == "1",
        )
    patch_vary_headers(response, ["HX-Request"])  # one URL, a page or its fragment
    return response


def _panel_context(session: SessionHistory, *, editing: bool, **flags: bool) -> dict:
    return {
        "session": session,
        "editing": editing,
        "outcomes": Outcome.choices,
        "note_max": NOTE_MAX_LENGTH,
        **flags,
    }


def _panel(request: HttpRequest, session: SessionHistory, **flags: bool) -> HttpResponse:
    return render(request, "stats/_checkout.html", _panel_context(session, **flags))
