"""Moderators manage categories here, and read posts and comments with their earlier versions.

Hiding and restoring go through the report queue (moderation) or the post page, so that
each decision is in the audit log; nothing here edits what people wrote.
"""

from __future__ import annotations

from django.contrib import admin

from community.models import Category, Comment, Post, Revision


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}


class RevisionInline(admin.TabularInline):
    model = Revision
    fields = ["written_at", "title", "body"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "earlier versions"

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyContent(admin.ModelAdmin):
    inlines = [RevisionInline]
    list_select_related = ["author"]
    search_fields = ["body", "author__username"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Post)
class PostAdmin(ReadOnlyContent):
    list_display = ["title", "author", "category", "created_at", "edited_at", "is_hidden"]
    list_filter = ["is_hidden", "category"]
    list_select_related = ["author", "category"]
    search_fields = ["title", "body", "author__username"]
    readonly_fields = [
        "author",
        "category",
        "title",
        "body",
        "created_at",
        "edited_at",
        "is_hidden",
    ]
    exclude = ["body_html", "search_vector"]


@admin.register(Comment)
class CommentAdmin(ReadOnlyContent):
    list_display = ["pk", "post", "author", "created_at", "edited_at", "deleted_at", "is_hidden"]
    list_filter = ["is_hidden"]
    list_select_related = ["author", "post"]
    readonly_fields = [
        "post",
        "author",
        "parent",
        "body",
        "created_at",
        "edited_at",
        "deleted_at",
        "is_hidden",
    ]
    exclude = ["body_html", "shown_under", "depth"]
