from __future__ import annotations

from django.contrib import admin

from achievements.models import Achievement, UserAchievement


@admin.register(Achievement)
class AchievementAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "icon",
        "category",
        "requirement_type",
        "requirement_value",
        "points",
        "sort_order",
        "is_active",
    )
    list_editable = ("is_active",)
    list_filter = ("is_active", "category", "requirement_type")
    search_fields = ("name", "slug", "description")
    prepopulated_fields = {"slug": ("name",)}
    ordering = ("category", "sort_order", "requirement_value")
    fieldsets = (
        (None, {"fields": ("name", "slug", "icon", "description", "category", "points")}),
        ("Requirement", {"fields": ("requirement_type", "requirement_value")}),
        ("Display", {"fields": ("is_active", "sort_order")}),
    )


@admin.register(UserAchievement)
class UserAchievementAdmin(admin.ModelAdmin):
    """Unlocks come from the services; moderators look, and may delete a wrong one."""

    list_display = ("user", "achievement", "unlocked_at")
    list_filter = ("achievement",)
    search_fields = ("user__username", "achievement__name")
    list_select_related = ("user", "achievement")
    date_hierarchy = "unlocked_at"
    readonly_fields = ("user", "achievement", "unlocked_at")

    def has_add_permission(self, request) -> bool:
        return False
