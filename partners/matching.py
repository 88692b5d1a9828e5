"""Who is paired with whom, under the slot's lock: the candidates for a person, a new
match (a private room and a session for two), a seat taken or given up in one, and what
each side is told. The actions that call these (book, cancel, the no-show pass, a ban)
are in services.py and runner.py; each holds `lock_slot` for the slot it changes.

Why an advisory lock per slot rather than row locks: the rows a match is decided on are
the *waiting* bookings, and "nobody is waiting" has no row to lock. One lock per (start,
length) serialises exactly the decisions that compete (50 people booking one slot at
once queue on it for a few milliseconds each) and nothing else. It is a transaction-scoped
PostgreSQL lock (`pg_advisory_xact_lock`), released by the commit or the rollback, so a
process killed with it held frees it at once. SQLite has no such lock and needs none: it
lets one writer at a time.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import connection
from django.db.models import Exists, IntegerField, OuterRef, Q, QuerySet
from django.db.models.functions import Cast
from django.urls import reverse

from accounts.models import Block, Follow, User
from messaging.services import notify_many
from partners.models import PartnerBooking, PartnerEmail, PartnerMatch
from rooms import services as room_services
from rooms.models import Participant
from scheduling import seats
from scheduling import services as schedule_services
from scheduling.models import GRID_MINUTES, LENGTHS

# Advisory lock namespaces (the first of pg_advisory_xact_lock's two int4 keys).
LOCK_PERSON = 2601
LOCK_SLOT = 2602
ROOM_NAME = "Partner session"


def _advisory_lock(namespace: int, key: int) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [namespace, key])


def lock_person(*, user_id: int) -> None:
    """Held while a person's bookings are checked for overlap and one is added."""
    _advisory_lock(LOCK_PERSON, user_id)


def lock_slot(*, starts_at: datetime, work_minutes: int) -> None:
    """Held while anyone in the slot is paired, re-paired or let go (call inside a
    transaction; after `lock_person` when both are taken, never before)."""
    quarter = int(starts_at.timestamp()) // (GRID_MINUTES * 60)
    _advisory_lock(LOCK_SLOT, (quarter * len(LENGTHS) + LENGTHS.index(work_minutes)) % 2**31)


def when_text(starts_at: datetime, user: User) -> str:
    local = starts_at.astimezone(user.tzinfo)
    return f"{local:%a} {local.day} {local:%b %H:%M}"


def partners_page_url() -> str:
    return reverse("partners:list")


# --- Candidates ------------------------------------------------------------------------


def candidates(
    *, for_user: User, starts_at: datetime, work_minutes: int, waiting_only: bool
) -> QuerySet[PartnerBooking]:
    """Live bookings of the slot that `for_user` may be paired with, best first: people
    either of them follows first, then the longest waiting. Never themselves, never across
    a block (either way), never a deactivated account. `waiting_only`: unmatched ones;
    otherwise also people left alone in a match (their partner cancelled)."""
    others = (
        PartnerBooking.objects.live()
        .slot(starts_at=starts_at, work_minutes=work_minutes)
        .exclude(user=for_user)
        .filter(user__is_active=True)
        .exclude(user_id__in=Block.objects.filter(blocker=for_user).values("blocked_id"))
        .exclude(user_id__in=Block.objects.filter(blocked=for_user).values("blocker_id"))
    )
    if waiting_only:
        others = others.filter(match__isnull=True)
    else:
        partnered = (
            PartnerBooking.objects.live().filter(match=OuterRef("match")).exclude(pk=OuterRef("pk"))
        )
        alone_in_an_open_room = ~Exists(partnered) & Q(
            match__room__is_active=True, match__session__cancelled_at__isnull=True
        )
        others = others.filter(Q(match__isnull=True) | alone_in_an_open_room)
    follows = Follow.objects.filter(
        Q(follower=for_user, followed=OuterRef("user"))
        | Q(follower=OuterRef("user"), followed=for_user)
    )
    return (
        others.annotate(favourite=Cast(Exists(follows), IntegerField()))
        .select_related("user", "match__room", "match__session")
        .order_by("-favourite", "created_at", "pk")
    )


# --- Matches and seats -----------------------------------------------------------------


def match_create(*, newcomer: PartnerBooking, other: PartnerBooking, now: datetime) -> PartnerMatch:
    """A private room for two and its session at the slot's start, owned by `newcomer`
    (whose booking made it: their own limits on rooms and sessions count it)."""
    owner = newcomer.user
    room = room_services.room_create(
        owner=owner,
        name=ROOM_NAME,
        description="A 1:1 partner session: say your goal, work, say how it went.",
        is_public=False,
        max_participants=2,
        work_minutes=newcomer.work_minutes,
    )
    # The greeting and the check-out are spoken: microphones at any time (issue #26).
    room_services.room_allow_talking(room=room)
    room_services.room_seal(room=room)  # no invite link: its seats are the pairing's
    session = schedule_services.session_create(
        room=room,
        by=owner,
        starts_at=newcomer.starts_at,
        work_minutes=newcomer.work_minutes,
        capacity=2,
        title=f"Partner session ({newcomer.work_minutes} min)",
        timezone_name=owner.timezone,
        seats_elsewhere=True,
    )
    match = PartnerMatch.objects.create(
        room=room,
        session=session,
        starts_at=newcomer.starts_at,
        work_minutes=newcomer.work_minutes,
        created_at=now,
    )
    seat_take(match=match, booking=newcomer, seat=1, now=now)
    seat_take(match=match, booking=other, seat=2, now=now)
    return match


def seat_take(*, match: PartnerMatch, booking: PartnerBooking, seat: int, now: datetime) -> None:
    """`booking` takes `seat` in `match`: a member of its room, a seat in its session."""
    booking.match, booking.seat, booking.matched_at = match, seat, now
    booking.save(update_fields=["match", "seat", "matched_at"])
    room_services.room_join(room=match.room, user=booking.user, seated=True)
    seats.seat_place(session=match.session, user=booking.user, now=now)


def room_leave_if_in(*, match: PartnerMatch, user: User) -> None:
    """Out of the match's room (their sockets there close: rooms' RoomLeft rule)."""
    if Participant.objects.present().filter(room=match.room, user=user).exists():
        room_services.room_leave(room=match.room, user=user)


def owner_hand_over(*, match: PartnerMatch, to: User) -> None:
    """The room and its session become `to`'s: someone gone keeps no way in."""
    room_services.room_join(room=match.room, user=to, seated=True)
    room_services.room_owner_transfer(room=match.room, to=to)
    seats.session_organiser_change(session=match.session, to=to)


# --- Telling people --------------------------------------------------------------------


def _email(booking: PartnerBooking, kind: str, partner: User | None, now: datetime) -> int:
    return PartnerEmail.objects.create(
        booking=booking, kind=kind, partner=partner, created_at=now
    ).pk


def tell_matched(*, first: PartnerBooking, second: PartnerBooking, now: datetime) -> list[int]:
    """Both hear of the match in the bell (linking the partner's profile) and by email;
    returns the emails' ids for the caller to queue in its transaction."""
    emails = []
    for booking, partner in ((first, second.user), (second, first.user)):
        text = (
            f"Partner found: you'll focus with {partner.username} on "
            f"{when_text(booking.starts_at, booking.user)} ({booking.work_minutes} min)."
        )
        notify_many(user=booking.user, lines=[(text, partner.get_absolute_url())], at=now)
        emails.append(_email(booking, PartnerEmail.Kind.MATCHED, partner, now))
    return emails


ALONE_WHY = {
    PartnerBooking.Ended.CANCELLED: "{name} cancelled",
    PartnerBooking.Ended.NO_SHOW: "{name} didn't come",
    PartnerBooking.Ended.BANNED: "{name} can't come",
}


def tell_alone(*, booking: PartnerBooking, gone: User, why: str, now: datetime) -> list[int]:
    """Nobody waiting to pair them with: the session stays theirs, solo."""
    reason = ALONE_WHY[why].format(name=gone.username)
    text = (
        f"{reason}: nobody else is waiting at {when_text(booking.starts_at, booking.user)}, "
        "so it stays yours as a solo session."
    )
    notify_many(user=booking.user, lines=[(text, partners_page_url())], at=now)
    return [_email(booking, PartnerEmail.Kind.ALONE, gone, now)]


def tell_waiting_again(*, booking: PartnerBooking, now: datetime) -> None:
    text = (
        f"Your partner session's room for {when_text(booking.starts_at, booking.user)} "
        "closed: you're waiting for a partner again."
    )
    notify_many(user=booking.user, lines=[(text, partners_page_url())], at=now)


def tell_unmatched(*, booking: PartnerBooking, now: datetime) -> list[int]:
    text = (
        f"No partner was free for {when_text(booking.starts_at, booking.user)}. Try another time?"
    )
    notify_many(user=booking.user, lines=[(text, partners_page_url())], at=now)
    return [_email(booking, PartnerEmail.Kind.UNMATCHED, None, now)]


def site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path
