"""What the schedule does when something happens elsewhere, or to its own rows."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from accounts.models import User
from focusmate.events import RoomClosed, subscriber
from scheduling.models import ScheduledSession, SchedulePreferences
from scheduling.runner import LONGEST_LEAD
from scheduling.services import room_sessions_cancel
from timers.subscriptions import wake_schedulers


@subscriber(RoomClosed)
def cancel_a_closed_rooms_sessions(event: RoomClosed) -> None:
    room_sessions_cancel(room_id=event.room_id)


@receiver(post_save, sender=ScheduledSession)
def wake_for_a_session_soon(sender, instance: ScheduledSession, **kwargs) -> None:
    """A session saved to start (or to be reminded of) within the hour wakes the
    schedulers after the commit: they sleep until the earliest due moment they know of,
    and this one may be earlier.

    A model signal rather than a service's event, so that every way a session is written
    (a service, the admin, a factory in a test) is covered; rows made in bulk (a series
    expanded weeks ahead) are found by the schedulers' next pass anyway."""
    if instance.cancelled_at is None and instance.starts_at <= timezone.now() + LONGEST_LEAD:
        transaction.on_commit(wake_schedulers)


@receiver(post_save, sender=User)
def preferences_for_a_new_account(sender, instance: User, created: bool, **kwargs) -> None:
    """Every account has its schedule settings (and so its feed's token) from the start,
    so that opening the settings page or reading the feed URL never writes (a GET
    changes nothing). Accounts from before the schedule got theirs in migration 0004."""
    if created:
        SchedulePreferences.objects.get_or_create(user=instance)
