"""The moderators' tools in the admin: the report queue, and the audit log (read only).

The queue groups open reports by what they are about, with the count and the reasons,
and acts on the whole group: hide, restore, dismiss, warn or ban the author. Every act is
a moderation service, so each leaves its audit row.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.contrib import admin, messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from accounts.models import User
from focusmate.lib.http import error_message
from moderation import services
from moderation.models import ModerationAction, Report
from moderation.registry import moderatable

# The queue shows the targets of the newest open reports, this many reports at most.
QUEUE_REPORTS = 500


@dataclass
class QueueItem:
    content_type: ContentType
    object_id: int
    target: object | None = None
    author: User | None = None
    reports: list[Report] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.reports)

    @property
    def reasons(self) -> list[tuple[str, int]]:
        return Counter(report.get_reason_display() for report in self.reports).most_common()

    @property
    def details(self) -> list[str]:
        return [report.text for report in self.reports if report.text]

    @property
    def is_person(self) -> bool:
        return isinstance(self.target, User)

    @property
    def url(self) -> str:
        how = moderatable(self.target) if self.target is not None else None
        return how.url(self.target) if how and how.url else ""


def open_queue() -> list[QueueItem]:
    """Open reports grouped by target, most reported first: one query for the reports and
    one per kind of target (posts, comments, people...)."""
    reports = (
        Report.objects.filter(status=Report.Status.OPEN)
        .select_related("content_type", "target_user")
        .order_by("-created_at")[:QUEUE_REPORTS]
    )
    items: dict[tuple[int, int], QueueItem] = {}
    for report in reports:
        key = (report.content_type_id, report.object_id)
        item = items.setdefault(key, QueueItem(report.content_type, report.object_id))
        item.author = report.target_user
        item.reports.append(report)
    by_type: dict[ContentType, list[int]] = defaultdict(list)
    for item in items.values():
        by_type[item.content_type].append(item.object_id)
    for content_type, ids in by_type.items():
        found = content_type.model_class()._base_manager.in_bulk(ids)
        for object_id in ids:
            items[(content_type.pk, object_id)].target = found.get(object_id)
    return sorted(items.values(), key=lambda item: (-item.count, -item.reports[0].pk))


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    """Its list is the queue; single reports are read, not edited."""

    def get_urls(self):
        return [
            path(
                "act/<int:content_type_id>/<int:object_id>/",
                self.admin_site.admin_view(require_POST(self.act_view)),
                name="moderation_report_act",
            ),
            *super().get_urls(),
        ]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        if not services.is_moderator(user=request.user):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": "Report queue",
            "opts": self.model._meta,
            "items": open_queue(),
            "actions_for_content": [("hide", "Hide"), ("restore", "Restore")],
        }
        return TemplateResponse(request, "admin/moderation/queue.html", context)

    def act_view(self, request: HttpRequest, content_type_id: int, object_id: int):
        back = HttpResponseRedirect(reverse("admin:moderation_report_changelist"))
        content_type = get_object_or_404(ContentType, pk=content_type_id)
        model = content_type.model_class()
        if model is None:
            messages.error(request, "That kind of content no longer exists.")
            return back
        target = model._base_manager.filter(pk=object_id).first()
        if target is None:
            messages.error(request, "That content is gone (its author deleted it).")
            Report.objects.filter(
                content_type=content_type, object_id=object_id, status=Report.Status.OPEN
            ).update(status=Report.Status.DISMISSED)
            return back
        action = request.POST.get("action", "")
        reason = request.POST.get("reason", "").strip()[:500]
        try:
            author = User.objects.get(pk=moderatable(target).author_id(target))
            done = self._act(request.user, action, target, author, reason)
        except (ValidationError, PermissionDenied, LookupError) as error:
            messages.error(request, error_message(error))
        else:
            messages.success(request, done)
        return back

    @staticmethod
    def _act(by: User, action: str, target, author: User, reason: str) -> str:
        if action == "hide":
            services.moderation_hide(by=by, target=target, reason=reason)
            return "Hidden; its reports are closed."
        if action == "restore":
            services.moderation_restore(by=by, target=target, reason=reason)
            return "Restored; its reports are closed."
        if action == "dismiss":
            closed = services.reports_dismiss(by=by, target=target, reason=reason)
            return f"{closed} report{'s' if closed != 1 else ''} dismissed."
        if action == "warn":
            services.user_warn(by=by, user=author, text=reason)
            return f"@{author.username} was warned."
        if action == "ban":
            services.user_ban(by=by, user=author, reason=reason)
            return f"@{author.username} was banned."
        raise ValidationError("Choose an action.")


@admin.register(ModerationAction)
class ModerationActionAdmin(admin.ModelAdmin):
    """The audit log: read only, for everyone who may see it."""

    list_display = ["created_at", "moderator", "kind", "target_user", "target_label", "reason"]
    list_filter = ["kind"]
    list_select_related = ["moderator", "target_user", "content_type"]
    search_fields = ["target_user__username", "moderator__username", "reason"]
    date_hierarchy = "created_at"

    @admin.display(description="target")
    def target_label(self, action: ModerationAction) -> str:
        if action.content_type_id is None:
            return "the person"
        return f"{action.content_type.model} {action.object_id}"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
