from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied

from accounts import services
from accounts.models import Follow, User


@admin.register(User)
class FocusUserAdmin(UserAdmin):
    list_display = ("username", "email", "is_active", "is_staff", "date_joined", "last_login")
    list_filter = ("is_active", "is_staff", "is_superuser")
    search_fields = ("username", "email", "first_name", "last_name")
    ordering = ("-date_joined",)
    fieldsets = (
        *UserAdmin.fieldsets,
        (
            "Profile",
            {
                "fields": (
                    "bio",
                    "timezone",
                    "avatar",
                    "stats_public",
                    "on_leaderboard",
                    "focus_visibility",
                    "notify_on_follow",
                )
            },
        ),
    )
    actions = ["deactivate_users"]

    @admin.action(description="Deactivate (ban) the selected users", permissions=["change"])
    def deactivate_users(self, request, queryset):
        done = 0
        for user in queryset:
            try:
                services.user_deactivate(user=user, by=request.user)
                done += 1
            except PermissionDenied as error:
                self.message_user(request, f"{user}: {error}", messages.WARNING)
        self.message_user(request, f"Deactivated {done} user(s).", messages.SUCCESS)


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    """Read-only: people follow and unfollow through the site, whose services tell the
    followed person and redraw open dashboards (a block removes follows both ways)."""

    list_display = ("follower", "followed", "created_at")
    list_select_related = ("follower", "followed")
    search_fields = ("follower__username", "followed__username")
    readonly_fields = ("follower", "followed", "created_at")
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
