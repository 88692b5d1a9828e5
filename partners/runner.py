"""The no-show pass, done by the timer scheduler's passes (registered like
scheduling/runner.py's): NO_SHOW_AFTER past a slot's start, in each match of that slot
where one partner came and the other has not opened the room, the absent one leaves the
match (a no-show for them: their seat is marked missed) and the one who came is paired
again with someone still waiting at that start, or told it stays theirs, solo. Then the
slot's bookings nobody could be paired with end, and their people are told.

Exactly once: a slot is done in one transaction under its advisory lock, and its facts
(`PartnerMatch.no_show_checked_at`, the bookings' `ended_at`) are set in that
transaction. A second scheduler waits for the lock, then finds nothing left; a scheduler
killed mid-pass rolls back and leaves the slot due for the next pass.

"Came" is the schedule's own arrival (`scheduling.Booking.arrived_at`, stamped from the
bus's RoomOpened by scheduling/attendance.py) or a socket of theirs open in the room now.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from partners import matching
from partners.models import PartnerBooking, PartnerMatch
from partners.services import NO_SHOW_AFTER, leave_match
from partners.tasks import partner_emails_send
from rooms.models import Presence
from scheduling.models import Booking
from timers import scheduler as timer_scheduler

logger = logging.getLogger("focusmate.scheduler")

BATCH_SLOTS = 50


def _due_matches(cutoff: datetime):
    return PartnerMatch.objects.filter(no_show_checked_at__isnull=True, starts_at__lte=cutoff)


def _due_waiting(cutoff: datetime):
    return PartnerBooking.objects.live().filter(match__isnull=True, starts_at__lte=cutoff)


def due_slots(*, now: datetime, limit: int = BATCH_SLOTS) -> list[tuple[datetime, int]]:
    cutoff = now - NO_SHOW_AFTER
    slots = set(_due_matches(cutoff).values_list("starts_at", "work_minutes").distinct())
    slots |= set(_due_waiting(cutoff).values_list("starts_at", "work_minutes").distinct())
    return sorted(slots)[:limit]


def _came(matches: list[PartnerMatch], user_ids: set[int], now: datetime) -> set[tuple[int, int]]:
    """(match id, user id) of the partners who opened their match's room: two queries."""
    by_session = {m.session_id: m.pk for m in matches}
    by_room = {m.room_id: m.pk for m in matches}
    arrived = Booking.objects.filter(
        session_id__in=by_session, user_id__in=user_ids, arrived_at__isnull=False
    ).values_list("session_id", "user_id")
    online = (
        Presence.objects.fresh(now)
        .filter(room_id__in=by_room, user_id__in=user_ids)
        .values_list("room_id", "user_id")
    )
    return {(by_session[s], u) for s, u in arrived} | {(by_room[r], u) for r, u in online}


@transaction.atomic
def slot_check(*, starts_at: datetime, work_minutes: int, now: datetime) -> int:
    """Does one slot's no-show check; returns how many bookings it changed."""
    matching.lock_slot(starts_at=starts_at, work_minutes=work_minutes)
    matches = list(
        _due_matches(now - NO_SHOW_AFTER)
        .filter(starts_at=starts_at, work_minutes=work_minutes)
        .select_related("room", "session")
    )
    live = list(
        PartnerBooking.objects.live()
        .filter(match__in=matches)
        .select_related("user", "match__room", "match__session")
        .order_by("match_id", "seat")
    )
    came = _came(matches, {b.user_id for b in live}, now)
    emails: list[int] = []
    changed = 0
    for match in matches:
        pair = [b for b in live if b.match_id == match.pk]
        absent = [b for b in pair if (match.pk, b.user_id) not in came]
        if len(pair) == 2 and len(absent) == 1 and match.session.cancelled_at is None:
            emails += leave_match(booking=absent[0], why=PartnerBooking.Ended.NO_SHOW, now=now)
            changed += 1
    PartnerMatch.objects.filter(pk__in=[m.pk for m in matches]).update(no_show_checked_at=now)
    # Whoever is still waiting had nobody to pair with: that booking ends.
    left_waiting = list(
        _due_waiting(now - NO_SHOW_AFTER)
        .filter(starts_at=starts_at, work_minutes=work_minutes)
        .select_related("user")
    )
    for booking in left_waiting:
        emails += matching.tell_unmatched(booking=booking, now=now)
    PartnerBooking.objects.filter(pk__in=[b.pk for b in left_waiting]).update(
        ended_at=now, ended_why=PartnerBooking.Ended.UNMATCHED
    )
    if emails:
        partner_emails_send.enqueue(emails)
    return changed + len(left_waiting) + len(matches)


def partners_check_due(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    done = 0
    for starts_at, work_minutes in due_slots(now=now):
        done += slot_check(starts_at=starts_at, work_minutes=work_minutes, now=now)
    if done:
        logger.info("partner no-show pass: %d change(s)", done)
    return done


def next_due(*, now: datetime | None = None) -> datetime | None:
    first = [
        PartnerMatch.objects.filter(no_show_checked_at__isnull=True).aggregate(at=Min("starts_at"))[
            "at"
        ],
        PartnerBooking.objects.live()
        .filter(match__isnull=True)
        .aggregate(at=Min("starts_at"))["at"],
    ]
    starts = [at for at in first if at is not None]
    return min(starts) + NO_SHOW_AFTER if starts else None


def register() -> None:
    timer_scheduler.register_due_work(name="partners", run=partners_check_due, next_due=next_due)
