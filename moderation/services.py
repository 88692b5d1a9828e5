"""Reports and moderators' decisions. Every decision writes one audit row.

Hiding and restoring are the owning app's own services, found through the registry;
a ban is accounts' deactivation; a warning is an event the inbox turns into a
notification. Moderators are staff users with the moderation permissions (the
"Moderators" group), not superusers.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import require_active, user_deactivate
from focusmate.events import UserWarned, publish_on_commit
from focusmate.lib.ratelimit import hit, limit_for
from moderation.models import ModerationAction, Report
from moderation.registry import moderatable

# Distinct open reports that hide content until a moderator decides.
AUTO_HIDE_REPORTS = 3


def is_moderator(*, user: User) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and user.is_staff
        and user.has_perm("moderation.change_report")
    )


def _require_moderator(user: User) -> None:
    require_active(user=user)
    if not is_moderator(user=user):
        raise PermissionDenied("Only moderators can do that.")


def _target_filter(target: models.Model) -> dict:
    return {
        "content_type": ContentType.objects.get_for_model(target),
        "object_id": target.pk,
    }


def _audit(
    *, by: User | None, kind: str, target: models.Model | None, target_user_id: int, reason: str
) -> ModerationAction:
    where = _target_filter(target) if target is not None and not isinstance(target, User) else {}
    return ModerationAction.objects.create(
        moderator=by, kind=kind, target_user_id=target_user_id, reason=reason[:500], **where
    )


@transaction.atomic
def report_create(*, by: User, target: models.Model, reason: str, text: str = "") -> Report:
    """Reports a post, comment, message or user. A third distinct open report on content
    hides it until a moderator decides (recorded in the audit log as the system's act)."""
    require_active(user=by)
    how = moderatable(target)
    author_id = how.author_id(target)
    if author_id == by.pk:
        raise ValidationError("You can't report yourself or your own posts.")
    if reason not in Report.Reason.values:
        raise ValidationError("Choose a reason for the report.")
    text = text.strip()
    if reason == Report.Reason.OTHER and not text:
        raise ValidationError("Tell the moderators what is wrong.")
    if len(text) > 500 or "\x00" in text:
        raise ValidationError("Keep the details to 500 characters of plain text.")
    hit(f"report:{by.pk}", limit=limit_for(by, normal=20, new_account=5), per_seconds=3600)
    report = Report(
        reporter=by,
        target_user_id=author_id,
        reason=reason,
        text=text,
        **_target_filter(target),
    )
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:
        raise ValidationError(
            "You've already reported this; a moderator will look at it."
        ) from None
    open_reports = Report.objects.filter(status=Report.Status.OPEN, **_target_filter(target))
    if how.hide is not None and open_reports.count() == AUTO_HIDE_REPORTS:
        how.hide(target)
        _audit(
            by=None,
            kind=ModerationAction.Kind.AUTO_HIDE,
            target=target,
            target_user_id=author_id,
            reason=f"{AUTO_HIDE_REPORTS} reports",
        )
    return report


def _resolve(target: models.Model, *, by: User, status: str) -> int:
    return Report.objects.filter(status=Report.Status.OPEN, **_target_filter(target)).update(
        status=status, resolved_by=by, resolved_at=timezone.now()
    )


@transaction.atomic
def moderation_hide(*, by: User, target: models.Model, reason: str = "") -> None:
    """Hides content for everyone but its author and moderators; closes its open reports."""
    _require_moderator(by)
    how = moderatable(target)
    if how.hide is None:
        raise ValidationError("That can't be hidden.")
    how.hide(target)
    _resolve(target, by=by, status=Report.Status.ACTIONED)
    _audit(
        by=by,
        kind=ModerationAction.Kind.HIDE,
        target=target,
        target_user_id=how.author_id(target),
        reason=reason,
    )


@transaction.atomic
def moderation_restore(*, by: User, target: models.Model, reason: str = "") -> None:
    _require_moderator(by)
    how = moderatable(target)
    if how.restore is None:
        raise ValidationError("That can't be restored.")
    how.restore(target)
    _resolve(target, by=by, status=Report.Status.DISMISSED)
    _audit(
        by=by,
        kind=ModerationAction.Kind.RESTORE,
        target=target,
        target_user_id=how.author_id(target),
        reason=reason,
    )


@transaction.atomic
def reports_dismiss(*, by: User, target: models.Model, reason: str = "") -> int:
    """Closes the open reports on `target` without acting on it; returns how many."""
    _require_moderator(by)
    how = moderatable(target)
    closed = _resolve(target, by=by, status=Report.Status.DISMISSED)
    _audit(
        by=by,
        kind=ModerationAction.Kind.DISMISS,
        target=target,
        target_user_id=how.author_id(target),
        reason=reason,
    )
    return closed


@transaction.atomic
def user_warn(*, by: User, user: User, text: str) -> ModerationAction:
    """Sends the user a warning (a notification) and records it."""
    _require_moderator(by)
    text = text.strip() or "Please keep to the community guidelines."
    action = _audit(
        by=by, kind=ModerationAction.Kind.WARN, target=None, target_user_id=user.pk, reason=text
    )
    publish_on_commit(UserWarned(user_id=user.pk, text=text[:180]))
    return action


@transaction.atomic
def user_ban(*, by: User, user: User, reason: str = "") -> ModerationAction:
    """Deactivates the user (accounts' ban) and records it; their open reports close."""
    _require_moderator(by)
    user_deactivate(user=user, by=by)
    Report.objects.filter(status=Report.Status.OPEN, target_user=user).update(
        status=Report.Status.ACTIONED, resolved_by=by, resolved_at=timezone.now()
    )
    return _audit(
        by=by, kind=ModerationAction.Kind.BAN, target=None, target_user_id=user.pk, reason=reason
    )
