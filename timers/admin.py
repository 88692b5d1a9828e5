from __future__ import annotations

from django.contrib import admin

from timers.models import Timer


@admin.register(Timer)
class TimerAdmin(admin.ModelAdmin):
    """Read-only: a timer changes only through its services (locks, history, broadcast)."""

    list_display = ("room", "status", "phase", "seq", "cycle", "ends_at", "version", "updated_at")
    list_filter = ("status", "phase")
    search_fields = ("room__name",)
    list_select_related = ("room",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
