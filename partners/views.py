"""Partner sessions' pages: "Find a partner" and "My partner sessions" (one page, whose
list is an HTMX region the schedule's week also loads), cancel, open the room, report or
block a partner. Thin: reads in queries.py, writes in services.py."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from focusmate.lib.http import answers_refusals, refusals_into
from partners import queries, services
from partners.forms import PartnerForm, PartnerReportForm
from partners.models import PartnerBooking


def _list_page(request: HttpRequest, **_kwargs) -> str:
    return reverse("partners:list")


def _next_quarter(now, zone) -> dict:
    local = now.astimezone(zone).replace(second=0, microsecond=0)
    local += timedelta(minutes=15 - local.minute % 15)
    return {"date": local.date(), "time": local.time().replace(tzinfo=None), "length": "25"}


def _context(request: HttpRequest, form: PartnerForm | None = None) -> dict:
    now = timezone.now()
    zone = request.user.tzinfo
    bookings = queries.my_partner_bookings(user=request.user, now=now)
    for booking in bookings:
        booking.status = queries.status_of(booking)
    return {
        "form": form or PartnerForm(zone=zone, initial=_next_quarter(now, zone)),
        "bookings": bookings,
        "now": now,
        "report_form": PartnerReportForm(),
    }


def _own_booking(request: HttpRequest, booking_id: int) -> PartnerBooking:
    booking = queries.partner_booking_of(user=request.user, booking_id=booking_id)
    if booking is None:
        raise Http404("No such partner session.")
    return booking


def _shared(request: HttpRequest, partner_booking_id: int) -> PartnerBooking:
    booking = queries.shared_partner_booking(
        user=request.user, partner_booking_id=partner_booking_id
    )
    if booking is None:
        raise Http404("No such partner.")
    return booking


@login_required
@require_GET
def partner_list(request: HttpRequest) -> HttpResponse:
    """The form and one's partner sessions; `#panel` alone for the schedule's week."""
    template = "partners/page.html#panel" if request.htmx else "partners/page.html"
    return render(request, template, _context(request))


@login_required
@require_http_methods(["POST"])
def partner_book(request: HttpRequest) -> HttpResponse:
    form = PartnerForm(request.POST, zone=request.user.tzinfo)
    if form.is_valid():
        with refusals_into(form):
            booking = services.partner_book(user=request.user, **form.service_arguments())
            text = (
                "Booked: you have a partner."
                if booking.match_id
                else ("Booked: we'll tell you when someone is matched with you.")
            )
            if not request.htmx:
                messages.success(request, text)
                return redirect("partners:list")
            return render(request, "partners/page.html#panel", _context(request))
    if request.htmx:
        # htmx swaps no 4xx answer: the panel with the form's errors comes back as a 200.
        return render(request, "partners/page.html#panel", _context(request, form))
    return render(request, "partners/page.html", _context(request, form), status=422)


def _answer(request: HttpRequest, text: str) -> HttpResponse:
    if request.htmx:
        # The panel, and the confirmation as a toast (what the full page shows as its message).
        response = render(request, "partners/page.html#panel", _context(request))
        toast = format_html(
            '<div id="toasts" hx-swap-oob="beforeend">'
            '<div class="toast toast-success">{}</div></div>',
            text,
        )
        response.content += toast.encode()
        return response
    messages.success(request, text)
    return redirect("partners:list")


@login_required
@require_POST
@answers_refusals(back=_list_page)
def partner_cancel(request: HttpRequest, booking_id: int) -> HttpResponse:
    services.partner_cancel(booking=_own_booking(request, booking_id), by=request.user)
    return _answer(request, "Partner session cancelled.")


@login_required
@require_GET
@answers_refusals(back=_list_page, flash_only=True)
def partner_room(request: HttpRequest, booking_id: int) -> HttpResponse:
    room = services.partner_room_enter(booking=_own_booking(request, booking_id), by=request.user)
    return redirect(room.get_absolute_url())


@login_required
@require_POST
@answers_refusals(back=_list_page)
def partner_report(request: HttpRequest, partner_booking_id: int) -> HttpResponse:
    partner = _shared(request, partner_booking_id)
    form = PartnerReportForm(request.POST)
    if not form.is_valid():
        raise ValidationError("Choose a reason for the report (details: 500 characters).")
    services.partner_report(
        by=request.user,
        partner_booking=partner,
        reason=form.cleaned_data["reason"],
        text=form.cleaned_data["text"],
    )
    return _answer(request, f"Thank you: a moderator will look at your report of {partner.user}.")


@login_required
@require_POST
@answers_refusals(back=_list_page)
def partner_block(request: HttpRequest, partner_booking_id: int) -> HttpResponse:
    partner = _shared(request, partner_booking_id)
    services.partner_block(by=request.user, partner_booking=partner)
    return _answer(request, f"You won't be matched with {partner.user} again.")
