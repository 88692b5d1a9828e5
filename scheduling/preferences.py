"""A person's schedule settings: the reminder lead and the private calendar feed's token."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from accounts.models import User
from accounts.services import require_active
from focusmate.lib.ratelimit import hit
from scheduling.models import REMINDER_CHOICES, SchedulePreferences, new_feed_token


def preferences_for(*, user: User) -> SchedulePreferences:
    """`user`'s schedule settings, made with the defaults on first use (race-safe)."""
    require_active(user=user)
    preferences = SchedulePreferences.objects.filter(user=user).first()
    if preferences is not None:
        return preferences
    try:
        with transaction.atomic():
            return SchedulePreferences.objects.create(user=user)
    except IntegrityError:  # a concurrent first visit made it
        return SchedulePreferences.objects.get(user=user)


@transaction.atomic
def preferences_update(*, user: User, by: User, reminder_minutes: int) -> SchedulePreferences:
    require_active(user=by)
    if user.pk != by.pk:
        raise PermissionDenied("You can only change your own settings.")
    if reminder_minutes not in REMINDER_CHOICES:
        raise ValidationError(
            {"reminder_minutes": "Remind 5, 10, 30 or 60 minutes before, or not at all."}
        )
    preferences = preferences_for(user=user)
    SchedulePreferences.objects.filter(pk=preferences.pk).update(reminder_minutes=reminder_minutes)
    preferences.reminder_minutes = reminder_minutes
    return preferences


@transaction.atomic
def feed_token_regenerate(*, user: User) -> SchedulePreferences:
    """A new secret for the calendar feed: the old URL stops working at once."""
    require_active(user=user)
    hit(f"feed-token:{user.pk}", limit=10, per_seconds=3600)
    preferences = preferences_for(user=user)
    preferences.feed_token = new_feed_token()
    SchedulePreferences.objects.filter(pk=preferences.pk).update(feed_token=preferences.feed_token)
    return preferences
