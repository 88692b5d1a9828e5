"""Attendance: who came to a scheduled session, marked once at start + NO_SHOW_GRACE.

"Came" means a socket of theirs was open in the room at some moment from ARRIVAL_EARLY
before the start until NO_SHOW_GRACE after it. Two sources make that reliable after the
fact, without polling:

- an arrival is recorded as it happens: the socket layer publishes `RoomOpened` when it
  writes a person's first socket in a room (rooms.services.presence_write), and
  `bookings_note_arrival` stamps `Booking.arrived_at` on their bookings of a session of
  that room in its window (one UPDATE; nothing for rooms without such a session). This
  catches someone who opened the room at start + 1 min and closed it at start + 3 min,
  which no later reading of Presence could see (their row is deleted on close);
- at marking time, a fresh Presence row: someone who opened the room well before the
  window (arriving early and staying) published no arrival in it, but has it open now.

A person booked with neither is a no-show (`attended` False); the marking pass claims its
sessions with SKIP LOCKED and sets `attendance_marked_at` in the same transaction, so it
marks each session once. Cancelled seats are not marked (attended stays None).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from accounts.models import User
from focusmate.events import RoomOpened, subscriber
from rooms.models import Presence
from scheduling.models import NO_SHOW_GRACE, Booking, ScheduledSession

# Opening the room this long before the start counts as coming (early is fine).
ARRIVAL_EARLY = timedelta(minutes=10)
# The stats page's attendance: over this many of a person's last marked sessions.
RECENT_SESSIONS = 20
BATCH = 1000


@subscriber(RoomOpened)
def note_arrivals(event: RoomOpened) -> None:
    bookings_note_arrival(room_id=event.room_id, user_ids=event.user_ids, at=event.at)


def bookings_note_arrival(*, room_id: int, user_ids, at: datetime) -> int:
    """Stamps the arrival on these people's held seats in the room's sessions whose
    window contains `at`; returns how many (first arrival only)."""
    return Booking.objects.filter(
        user_id__in=list(user_ids),
        arrived_at__isnull=True,
        cancelled_at__isnull=True,
        session__room_id=room_id,
        session__cancelled_at__isnull=True,
        session__attendance_marked_at__isnull=True,
        session__starts_at__lte=at + ARRIVAL_EARLY,
        session__starts_at__gte=at - NO_SHOW_GRACE,
    ).update(arrived_at=at)


def attendance_mark_due(*, now: datetime | None = None, limit: int = BATCH) -> int:
    """Marks the attendance of sessions NO_SHOW_GRACE past their start; returns how many
    sessions. Four statements a batch: the claim, who came, two updates."""
    now = now or timezone.now()
    skip = connection.features.has_select_for_update_skip_locked
    with transaction.atomic():
        due = ScheduledSession.objects.live().filter(
            attendance_marked_at__isnull=True, starts_at__lte=now - NO_SHOW_GRACE
        )
        if skip:
            due = due.select_for_update(skip_locked=True, of=("self",))
        session_ids = list(due.order_by("starts_at").values_list("pk", flat=True)[:limit])
        if not session_ids:
            return 0
        seats = Booking.objects.held().filter(session_id__in=session_ids, attended__isnull=True)
        online = Presence.objects.filter(
            room_id=OuterRef("session__room_id"),
            user_id=OuterRef("user_id"),
            seen_at__gte=now - timedelta(seconds=settings.PRESENCE_TTL_SECONDS),
        ).filter(seen_at__gte=OuterRef("session__starts_at") - ARRIVAL_EARLY)
        came = list(
            seats.filter(Q(arrived_at__isnull=False) | Exists(online)).values_list("pk", flat=True)
        )
        Booking.objects.filter(pk__in=came).update(attended=True)
        seats.exclude(pk__in=came).update(attended=False)
        ScheduledSession.objects.filter(pk__in=session_ids).update(attendance_marked_at=now)
    return len(session_ids)


def next_marking(*, now: datetime | None = None) -> datetime | None:
    start = (
        ScheduledSession.objects.live()
        .filter(attendance_marked_at__isnull=True)
        .order_by("starts_at")
        .values_list("starts_at", flat=True)
        .first()
    )
    return None if start is None else start + NO_SHOW_GRACE


# --- Reads -----------------------------------------------------------------------


@dataclass(frozen=True)
class AttendanceRecord:
    attended: int
    booked: int

    @property
    def missed(self) -> int:
        return self.booked - self.attended


def attendance_record(*, user: User, last: int = RECENT_SESSIONS) -> AttendanceRecord:
    """Attended out of booked over the person's last `last` marked sessions (one query)."""
    marks = list(
        Booking.objects.held()
        .filter(user=user, attended__isnull=False)
        .order_by("-session__starts_at")
        .values_list("attended", flat=True)[:last]
    )
    return AttendanceRecord(attended=sum(marks), booked=len(marks))


def session_attendance(*, session: ScheduledSession) -> list[Booking]:
    """Everyone booked (cancelled seats last), with the user, for the owner's page."""
    return list(
        session.bookings.select_related("user").order_by(
            F("cancelled_at").asc(nulls_first=True), "user__username"
        )
    )
