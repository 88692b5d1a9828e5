from __future__ import annotations

from django.contrib import admin

from messaging.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("user", "text", "created_at", "read_at")
    list_filter = ("read_at",)
    search_fields = ("user__username", "text")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
