"""What the schedule does when something happens elsewhere, or to its own rows.

- `RoomClosed`: the room's future sessions are cancelled.
- `SeatsChanged`: every open page showing the session (its socket is in `seats_group`)
  gets the new seats, rendered once per variant, never per viewer: the box for those
  who hold a seat and the box for the others, and who is booked. The message names who
  may see the room now (`room_viewer_ids`, the rule of `Room.objects.visible_to`), and
  each socket forwards it only to someone among them (`scheduling.consumers`): a
  member removed from a private room after opening the page gets nothing more.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from accounts.models import User
from focusmate.events import RoomClosed, SeatsChanged, subscriber
from focusmate.lib import broadcast
from scheduling.groups import seats_group
from scheduling.models import ScheduledSession, SchedulePreferences
from scheduling.queries import booked_people, room_viewer_ids, session_seats
from scheduling.rendering import render_booked_people, render_booking
from scheduling.runner import LONGEST_LEAD
from scheduling.services import room_sessions_cancel
from timers.subscriptions import wake_schedulers


@subscriber(RoomClosed)
def cancel_a_closed_rooms_sessions(event: RoomClosed) -> None:
    room_sessions_cancel(room_id=event.room_id)


@subscriber(SeatsChanged)
def push_seats(event: SeatsChanged) -> None:
    """Three queries: the session with its count, who is booked, who may see the room."""
    session = session_seats(session_id=event.session_id)
    if session is None:
        return
    now = timezone.now()
    people = booked_people(session=session)
    viewers = room_viewer_ids(room=session.room)
    message = {
        "type": "seats.changed",
        "session_id": session.pk,
        "html": render_booking(session, is_booked=False, now=now),
        "booked_html": render_booking(session, is_booked=True, now=now),
        "people_html": render_booked_people(session, people),
        "booked_ids": [booking.user_id for booking in people],
        "viewer_ids": None if viewers is None else sorted(viewers),
    }
    broadcast.send_now(seats_group(session.pk), message)


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
