from __future__ import annotations

from django.contrib import admin

from partners.models import PartnerBooking, PartnerEmail, PartnerMatch


class PartnerBookingInline(admin.TabularInline):
    model = PartnerBooking
    fields = ["user", "seat", "matched_at", "ended_at", "ended_why"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(PartnerMatch)
class PartnerMatchAdmin(admin.ModelAdmin):
    """Read-only: matches are made and changed by the matching services only."""

    list_display = ["pk", "starts_at", "work_minutes", "room", "session", "no_show_checked_at"]
    list_select_related = ["room", "session"]
    readonly_fields = [f.name for f in PartnerMatch._meta.fields]
    inlines = [PartnerBookingInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PartnerBooking)
class PartnerBookingAdmin(admin.ModelAdmin):
    """A partner's seat in a session (what a report of a partner points at)."""

    list_display = ["pk", "user", "starts_at", "work_minutes", "match", "ended_why"]
    list_select_related = ["user", "match"]
    list_filter = ["ended_why", "work_minutes"]
    search_fields = ["user__username"]
    readonly_fields = [f.name for f in PartnerBooking._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PartnerEmail)
class PartnerEmailAdmin(admin.ModelAdmin):
    list_display = ["pk", "booking", "kind", "partner", "created_at", "sent_at"]
    list_select_related = ["booking", "partner"]
    readonly_fields = [f.name for f in PartnerEmail._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
