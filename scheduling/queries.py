"""Reads for the schedule's screens, the calendar feed and the booking limit, each a fixed
number of queries whatever the data size.

What a person may see of the schedule is one rule: the sessions of the rooms they may
see (`Room.objects.visible_to`). A private room's sessions, and who booked them, are
for its members only, because only they see the room.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from accounts.queries import following_ids
from rooms.models import Room
from scheduling.models import Booking, ScheduledSession

# A week shows at most this many sessions; past it the page asks for a filter. A
# site-wide week of public sessions could hold thousands, and nobody reads them all.
WEEK_SHOWN = 300
# The feed carries a month of past sessions and everything ahead, at most this many.
FEED_PAST = timedelta(days=30)
FEED_MOST = 1000

# The no-show rule: this many missed of the last `NO_SHOW_WINDOW` marked bookings limits
# a person to `LIMITED_HOLD` upcoming sessions at once, for `LIMIT_DAYS` after the last
# one missed (attending pushes misses out of the window sooner).
NO_SHOW_WINDOW = 5
NO_SHOW_LIMIT = 3
LIMITED_HOLD = 1
LIMIT_DAYS = 14


def booked_counts(sessions: QuerySet[ScheduledSession]) -> QuerySet[ScheduledSession]:
    """Annotates `booked_count`: the seats held (a subquery, so no GROUP BY)."""
    held = (
        Booking.objects.held()
        .filter(session=OuterRef("pk"))
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return sessions.annotate(
        booked_count=Coalesce(Subquery(held, output_field=IntegerField()), Value(0))
    )


def _annotated(sessions: QuerySet[ScheduledSession], user) -> QuerySet[ScheduledSession]:
    """Each with its room and organiser, `booked_count` (seats held) and, for a person,
    `is_booked` (they hold one)."""
    sessions = booked_counts(sessions.select_related("room", "organiser"))
    if user.is_authenticated:
        mine = Booking.objects.held().filter(session=OuterRef("pk"), user=user)
        return sessions.annotate(is_booked=Exists(mine))
    return sessions.annotate(is_booked=Value(False))


def visible_sessions(user) -> QuerySet[ScheduledSession]:
    """Every session `user` may see: those of the rooms they may see."""
    return ScheduledSession.objects.filter(room__in=Room.objects.visible_to(user))


@dataclass(frozen=True)
class Week:
    sessions: list[ScheduledSession]
    more: bool  # past WEEK_SHOWN: some are not shown


def schedule_week(
    *,
    user,
    start: datetime,
    end: datetime,
    mine: bool = False,
    booked: bool = False,
    room_id: int | None = None,
    followed: bool = False,
) -> Week:
    """The live sessions starting in [start, end) that `user` may see, filtered: `mine`
    (they organise), `booked` (they hold a seat), `room_id`, `followed` (organised or
    booked by someone they follow). One query."""
    sessions = visible_sessions(user).live().filter(starts_at__gte=start, starts_at__lt=end)
    if mine:
        sessions = sessions.filter(organiser=user)
    if followed:
        people = following_ids(user=user)
        seat_of_someone_followed = Booking.objects.held().filter(
            session=OuterRef("pk"), user_id__in=people
        )
        sessions = sessions.filter(Q(organiser_id__in=people) | Exists(seat_of_someone_followed))
    if room_id is not None:
        sessions = sessions.filter(room_id=room_id)
    sessions = _annotated(sessions, user)
    if booked:
        sessions = sessions.filter(is_booked=True)
    found = list(sessions.order_by("starts_at", "pk")[: WEEK_SHOWN + 1])
    return Week(sessions=found[:WEEK_SHOWN], more=len(found) > WEEK_SHOWN)


def rooms_to_filter(*, user) -> list[Room]:
    """The rooms the schedule's room filter offers: those one owns or is in (open ones)."""
    return list(
        Room.objects.visible_to(user)
        .filter(is_active=True)
        .filter(Q(owner=user) | Q(participants__user=user, participants__left_at__isnull=True))
        .distinct()
        .order_by("name", "pk")
        .only("pk", "name", "owner_id", "is_solo")[:100]
    )


def rooms_to_schedule(*, user) -> QuerySet[Room]:
    """The rooms `user` may schedule sessions in: the open ones they own, but for a sealed
    one (a partner session's: its one session is the pairing's)."""
    if not user.is_authenticated:
        return Room.objects.none()
    rooms = Room.objects.filter(owner=user, is_active=True, sealed=False)
    return rooms.order_by("-is_solo", "name", "pk")


def session_for_viewer(*, session_id: int, user) -> ScheduledSession | None:
    """One session with its room, organiser and counts, if `user` may see it (one query)."""
    return _annotated(visible_sessions(user).filter(pk=session_id), user).first()


def booked_people(*, session: ScheduledSession) -> list[Booking]:
    """Who holds a seat, first booked first, with their user (one query; at most the
    session's capacity)."""
    return list(
        Booking.objects.held()
        .filter(session=session)
        .select_related("user")
        .order_by("booked_at", "pk")[: session.capacity]
    )


def room_next_sessions(*, room: Room, user, now: datetime, limit: int = 5) -> list:
    """The room's next live sessions (for its page), with counts. One query."""
    sessions = ScheduledSession.objects.live().filter(room=room, ends_at__gt=now)
    found = list(_annotated(sessions, user).order_by("starts_at", "pk")[:limit])
    for session in found:
        session.room = room
    return found


def feed_sessions(*, user, now: datetime) -> list[ScheduledSession]:
    """The sessions a person's calendar feed carries: those they booked or organise, from
    FEED_PAST ago on. `seat_given_back`: they cancelled their seat (unless they organise
    it, their calendar shows it cancelled). One query."""
    theirs = Booking.objects.filter(session=OuterRef("pk"), user=user)
    sessions = (
        ScheduledSession.objects.filter(starts_at__gte=now - FEED_PAST)
        .filter(Q(organiser=user) | Exists(theirs))
        .annotate(seat_given_back=Exists(theirs.filter(cancelled_at__isnull=False)))
        .select_related("room", "organiser")
        .order_by("starts_at", "pk")
    )
    return list(sessions[:FEED_MOST])


# --- The booking limit --------------------------------------------------------------


@dataclass(frozen=True)
class BookingLimit:
    missed: int
    out_of: int
    max_held: int
    until: datetime

    def explanation(self, zone: ZoneInfo) -> str:
        local = self.until.astimezone(zone)
        sessions = "session" if self.max_held == 1 else "sessions"
        return (
            f"You missed {self.missed} of your last {self.out_of} booked sessions, so "
            f"until {local:%a} {local.day} {local:%b %H:%M} you can hold "
            f"{self.max_held} upcoming {sessions} at a time."
        )


def booking_limit(*, user, now: datetime) -> BookingLimit | None:
    """The limit on `user`'s bookings now, or None. One query."""
    if not user.is_authenticated:
        return None
    marked = list(
        Booking.objects.filter(user=user, attended__isnull=False, session__starts_at__lt=now)
        .order_by("-session__starts_at")
        .values_list("attended", "session__starts_at")[:NO_SHOW_WINDOW]
    )
    missed = [starts_at for attended, starts_at in marked if attended is False]
    if len(missed) < NO_SHOW_LIMIT:
        return None
    until = max(missed) + timedelta(days=LIMIT_DAYS)
    if until <= now:
        return None
    return BookingLimit(missed=len(missed), out_of=len(marked), max_held=LIMITED_HOLD, until=until)


def held_future_bookings(*, user, now: datetime) -> int:
    """How many upcoming live sessions `user` holds a seat in."""
    return (
        Booking.objects.held()
        .filter(user=user, session__cancelled_at__isnull=True, session__starts_at__gt=now)
        .count()
    )


# --- Live seats (scheduling.consumers, scheduling.subscriptions) ----------------------------

# A page names at most this many sessions to its socket (a week shows WEEK_SHOWN).
SEATS_WATCHED = WEEK_SHOWN


def watchable_session_ids(*, user, session_ids: list[int], now: datetime) -> list[int]:
    """Those of `session_ids` whose seats may still change and that `user` may see (the
    rule of `scheduling.access.visible_session`). One query."""
    return list(
        visible_sessions(user)
        .live()
        .filter(pk__in=session_ids[:SEATS_WATCHED], starts_at__gt=now)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def sessions_with_seats_changed(*, user, session_ids: list[int], since: datetime) -> list:
    """Those of `session_ids` (already checked with `watchable_session_ids`) where a seat
    was taken or given back at or after `since`, with their counts for `user`. One query."""
    changed = Booking.objects.filter(session=OuterRef("pk")).filter(
        Q(booked_at__gte=since) | Q(cancelled_at__gte=since)
    )
    sessions = ScheduledSession.objects.filter(pk__in=session_ids).filter(Exists(changed))
    return list(_annotated(sessions, user).order_by("pk"))


def session_seats(*, session_id: int) -> ScheduledSession | None:
    """One session with its room and `booked_count`, for a push (one query)."""
    sessions = booked_counts(ScheduledSession.objects.select_related("room"))
    return sessions.filter(pk=session_id).first()


def room_viewer_ids(*, room: Room) -> frozenset[int] | None:
    """Who may see `room` besides every active user, by `Room.objects.visible_to`: None
    for an open public room (everyone); else its owner and the members present in it.
    One query (none for an open public room)."""
    if room.is_open_to_all:
        return None
    members = room.participants.filter(left_at__isnull=True).values_list("user_id", flat=True)
    return frozenset([room.owner_id, *members])
