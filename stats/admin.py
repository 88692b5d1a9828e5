from __future__ import annotations

from django.contrib import admin

from stats.models import SessionHistory


@admin.register(SessionHistory)
class SessionHistoryAdmin(admin.ModelAdmin):
    """Read-only: history is written by the timer services and never edited by hand."""

    list_display = ("user", "kind", "room", "started_at", "ended_at", "seconds_credited")
    list_filter = ("kind", "ended_at")
    search_fields = ("user__username",)
    list_select_related = ("user", "room")
    date_hierarchy = "ended_at"
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
