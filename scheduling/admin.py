"""Moderators see the schedule and cancel a session (everyone booked is told).

The admin is read-only: sessions are written by their owners through the site, and a
moderator's one action, cancelling, goes through `session_cancel` like the owner's.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError

from focusmate.lib.http import error_message
from moderation.services import is_moderator
from scheduling import services
from scheduling.models import Booking, ScheduledSession, SchedulePreferences, SessionSeries
from scheduling.queries import booked_counts


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class BookingInline(admin.TabularInline):
    model = Booking
    extra = 0
    fields = ("user", "booked_at", "cancelled_at", "cancelled_late", "reminded_at", "attended")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ScheduledSession)
class ScheduledSessionAdmin(_ReadOnly):
    list_display = ("__str__", "room", "organiser", "starts_at", "capacity", "booked", "status")
    list_filter = (("cancelled_at", admin.EmptyFieldListFilter), "starts_at")
    search_fields = ("title", "room__name", "organiser__username")
    date_hierarchy = "starts_at"
    list_select_related = ("room", "organiser")
    inlines = [BookingInline]
    actions = ["cancel_sessions"]

    def get_queryset(self, request):
        return booked_counts(super().get_queryset(request))

    @admin.display(ordering="booked_count", description="booked")
    def booked(self, session: ScheduledSession) -> int:
        return session.booked_count

    @admin.display(description="status")
    def status(self, session: ScheduledSession) -> str:
        if session.is_cancelled:
            return "cancelled"
        return "started" if session.started_at else "scheduled"

    # Moderators (not only superusers) see the schedule; the one action is a service
    # call, which checks again who may cancel.
    def has_module_permission(self, request) -> bool:
        return is_moderator(user=request.user) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return is_moderator(user=request.user) or super().has_view_permission(request, obj)

    @admin.action(description="Cancel the selected sessions (everyone booked is told)")
    def cancel_sessions(self, request, queryset):
        cancelled = 0
        for session in queryset.filter(cancelled_at__isnull=True).select_related("room"):
            try:
                services.session_cancel(session=session, by=request.user)
            except (ValidationError, PermissionDenied) as error:
                self.message_user(request, f"{session}: {error_message(error)}", messages.ERROR)
            else:
                cancelled += 1
        self.message_user(request, f"Cancelled {cancelled} session(s).", messages.SUCCESS)


@admin.register(SessionSeries)
class SessionSeriesAdmin(_ReadOnly):
    list_display = ("__str__", "organiser", "weekdays", "until", "count", "expanded_until")
    search_fields = ("room__name", "organiser__username")
    list_select_related = ("room", "organiser")


@admin.register(SchedulePreferences)
class SchedulePreferencesAdmin(_ReadOnly):
    list_display = ("user", "reminder_minutes")
    search_fields = ("user__username",)
    exclude = ("feed_token",)  # a secret, even from moderators
    list_select_related = ("user",)
