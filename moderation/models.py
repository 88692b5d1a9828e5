"""Reports and the moderators' audit log. Targets are any registered model (see registry)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Report(models.Model):
    class Reason(models.TextChoices):
        SPAM = "spam", "Spam"
        HARASSMENT = "harassment", "Harassment"
        OFF_TOPIC = "off_topic", "Off-topic"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACTIONED = "actioned", "Actioned"
        DISMISSED = "dismissed", "Dismissed"

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports_made"
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    # Whose content it is (or the reported person): bans and warnings go to them.
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports_received"
    )
    reason = models.CharField(max_length=12, choices=Reason)
    text = models.CharField("details", max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports_resolved",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # Three *distinct* people hide a post: one person reporting twice counts once.
            models.UniqueConstraint(
                fields=["reporter", "content_type", "object_id"],
                condition=Q(status="open"),
                name="moderation_one_open_report_per_reporter",
            ),
            models.CheckConstraint(
                condition=~Q(reason="other") | ~Q(text=""),
                name="moderation_other_needs_text",
            ),
        ]
        indexes = [models.Index(fields=["status", "content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} report on {self.content_type.model} {self.object_id}"


class ModerationAction(models.Model):
    """The audit log: who did what to which target, why, and when. Never edited."""

    class Kind(models.TextChoices):
        HIDE = "hide", "Hidden"
        AUTO_HIDE = "auto_hide", "Hidden automatically (reports)"
        RESTORE = "restore", "Restored"
        DISMISS = "dismiss", "Reports dismissed"
        WARN = "warn", "User warned"
        BAN = "ban", "User banned"

    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="moderation_actions",
        help_text="Empty for what the system did by itself.",
    )
    kind = models.CharField(max_length=10, choices=Kind)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, null=True, blank=True)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    target = GenericForeignKey("content_type", "object_id")
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="moderation_received"
    )
    reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.target_user} by {self.moderator or 'system'}"
