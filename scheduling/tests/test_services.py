"""The schedule's services: who may do what (the persona matrix), the rules on input, and
what each write leaves behind."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from messaging.models import Notification
from rooms import services as room_services
from scheduling import bookings, preferences, services
from scheduling.models import Booking, ScheduledSession, SchedulePreferences, SessionSeries
from scheduling.tests.conftest import T0
from scheduling.tests.factories import BookingFactory, ScheduledSessionFactory

pytestmark = pytest.mark.django_db

# Tuesday 6 January 2026, 10:00 in Berlin (09:00 UTC): a day after T0, on the grid.
START = datetime(2026, 1, 6, 9, 0, tzinfo=UTC)


def schedule(room, by, **overrides):
    values = {"room": room, "by": by, "starts_at": START, "work_minutes": 25} | overrides
    return services.session_create(**values)


# --- Persona matrix -----------------------------------------------------------------

OUTCOMES = {
    # action: persona -> None (allowed) or the refusal
    "session_create": {
        "owner": None,
        "member": PermissionDenied,
        "outsider": PermissionDenied,
        "moderator": PermissionDenied,
        "anonymous": PermissionDenied,
    },
    "session_update": {
        "owner": None,
        "member": PermissionDenied,
        "outsider": PermissionDenied,
        "moderator": PermissionDenied,
        "anonymous": PermissionDenied,
    },
    "session_cancel": {
        "owner": None,
        "member": PermissionDenied,
        "outsider": PermissionDenied,
        "moderator": None,
        "anonymous": PermissionDenied,
    },
    "booking_create": {
        "owner": None,
        "member": None,
        "outsider": PermissionDenied,
        "moderator": PermissionDenied,  # not in the private room: can't see it
        "anonymous": PermissionDenied,
    },
    "booking_cancel": {
        "owner": None,
        "member": None,
        "outsider": ValidationError,  # nothing of theirs to cancel
        "moderator": ValidationError,
        "anonymous": PermissionDenied,
    },
    "preferences_update": {
        "owner": None,
        "member": None,
        "outsider": None,
        "moderator": None,
        "anonymous": PermissionDenied,
    },
    "feed_token_regenerate": {
        "owner": None,
        "member": None,
        "outsider": None,
        "moderator": None,
        "anonymous": PermissionDenied,
    },
}


def _act(action: str, user, session):
    if action == "session_create":
        return schedule(session.room, user, starts_at=START + timedelta(hours=2))
    if action == "session_update":
        return services.session_update(session=session, by=user, capacity=5)
    if action == "session_cancel":
        return services.session_cancel(session=session, by=user)
    if action == "booking_create":
        return bookings.booking_create(session=session, user=user)
    if action == "booking_cancel":
        if user.is_authenticated and user.username in ("alice", "bob"):
            bookings.booking_create(session=session, user=user)
        return bookings.booking_cancel(session=session, user=user)
    if action == "preferences_update":
        return preferences.preferences_update(user=user, by=user, reminder_minutes=30)
    if action == "feed_token_regenerate":
        return preferences.feed_token_regenerate(user=user)
    raise AssertionError(action)


@pytest.mark.parametrize("persona", ["owner", "member", "outsider", "moderator", "anonymous"])
@pytest.mark.parametrize("action", list(OUTCOMES))
def test_persona_matrix(frozen, shared_room, personas, action, persona):
    session = schedule(shared_room, shared_room.owner)
    expected = OUTCOMES[action][persona]

    if expected is None:
        assert _act(action, personas[persona], session) is not None
    else:
        with pytest.raises(expected):
            _act(action, personas[persona], session)


def test_a_moderator_cannot_cancel_for_the_owner_after_a_ban_of_themselves(
    frozen, shared_room, moderator
):
    session = schedule(shared_room, shared_room.owner)
    moderator.is_active = False
    moderator.save()

    with pytest.raises(PermissionDenied):
        services.session_cancel(session=session, by=moderator)


# --- Scheduling: what is refused, clearly -------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"starts_at": T0 - timedelta(hours=1)}, "starts_at", "in the past"),
        ({"starts_at": T0}, "starts_at", "in the past"),
        ({"starts_at": START + timedelta(minutes=10)}, "starts_at", "quarter hour"),
        ({"starts_at": START + timedelta(seconds=1)}, "starts_at", "quarter hour"),
        ({"starts_at": datetime(9999, 12, 31, 23, 45, tzinfo=UTC)}, "starts_at", "a year ahead"),
        ({"starts_at": T0 + timedelta(days=400)}, "starts_at", "a year ahead"),
        ({"capacity": 0}, "capacity", "between 1 and 8"),
        ({"capacity": 10**9}, "capacity", "between 1 and 8"),
        ({"work_minutes": 30}, "work_minutes", "25, 50 or 75"),
        ({"title": "x" * 81}, "title", "80 characters"),
        ({"title": "a\x00b"}, "title", "character"),
        ({"timezone_name": "Mars/Olympus"}, "timezone", "not a time zone"),
        ({"repeat": True}, "until", "when the repetition ends"),
        ({"repeat": True, "until": date(2026, 1, 1)}, "until", "before it starts"),
        ({"repeat": True, "until": date(2027, 6, 1)}, "until", "at most a year"),
        ({"repeat": True, "count": 0}, "count", "between 1 and 200"),
        ({"repeat": True, "count": 10**9}, "count", "between 1 and 200"),
        ({"repeat": True, "count": 150}, "count", "past a year"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(
    frozen, shared_room, alice, overrides, field, message
):
    with pytest.raises(ValidationError) as error:
        schedule(shared_room, alice, **overrides)

    assert message in " ".join(error.value.message_dict[field])
    assert not ScheduledSession.objects.exists()


def test_a_zone_with_a_45_minute_offset_schedules_on_its_quarter_hours(frozen, shared_room, alice):
    """Kathmandu is UTC+5:45; 09:00 there is 03:15 UTC."""
    kathmandu_nine = datetime(2026, 1, 6, 3, 15, tzinfo=UTC)

    session = schedule(shared_room, alice, starts_at=kathmandu_nine, timezone_name="Asia/Kathmandu")

    assert session.timezone == "Asia/Kathmandu"


def test_overlapping_sessions_in_one_room_are_refused(frozen, shared_room, alice):
    schedule(shared_room, alice)

    with pytest.raises(ValidationError) as error:
        schedule(shared_room, alice, starts_at=START + timedelta(minutes=15))
    assert "overlaps" in str(error.value)
    # Back to back is fine, and so is the same time in another room.
    schedule(shared_room, alice, starts_at=START + timedelta(minutes=30))
    other = room_services.room_create(owner=alice, name="Other")
    schedule(other, alice)


def test_a_cancelled_session_frees_its_time(frozen, shared_room, alice):
    services.session_cancel(session=schedule(shared_room, alice), by=alice)

    assert schedule(shared_room, alice).cancelled_at is None


def test_the_length_defaults_to_the_rooms_own_phases(frozen, alice):
    room = room_services.room_create(owner=alice, name="Long", work_minutes=40)

    session = schedule(room, alice, work_minutes=None)

    assert session.work_minutes is None
    assert session.ends_at - session.starts_at == timedelta(minutes=40)


def test_capacity_defaults_to_the_rooms(frozen, shared_room, alice):
    assert schedule(shared_room, alice, capacity=None).capacity == 8
    unlimited = room_services.room_create(owner=alice, name="Open")
    assert schedule(unlimited, alice, capacity=None).capacity == 500


def test_the_solo_room_can_be_scheduled_as_a_personal_plan(frozen, alice, bob):
    solo = room_services.solo_room_for(user=alice)

    session = schedule(solo, alice, capacity=None)

    assert session.capacity == 1
    assert bookings.booking_create(session=session, user=alice)
    with pytest.raises(PermissionDenied):
        bookings.booking_create(session=session, user=bob)


def test_a_closed_room_takes_no_new_sessions(frozen, alice):
    room = room_services.room_create(owner=alice, name="Soon closed")
    room_services.room_close(room=room, by=alice)

    with pytest.raises(ValidationError, match="closed"):
        schedule(room, alice)


def test_scheduling_is_rate_limited(frozen, alice):
    room = room_services.room_create(owner=alice, name="Busy")
    for hour in range(30):
        schedule(room, alice, starts_at=START + timedelta(hours=hour))

    with pytest.raises(PermissionDenied, match="too often"):
        schedule(room, alice, starts_at=START + timedelta(hours=40))


# --- Weekly series and daylight saving --------------------------------------------


def test_a_weekly_series_is_expanded_into_rows(frozen, shared_room, alice):
    first = schedule(shared_room, alice, repeat=True, weekdays=[2, 4], count=5)

    starts = list(
        ScheduledSession.objects.filter(series=first.series).values_list("starts_at", flat=True)
    )
    assert [s.date() for s in starts] == [
        date(2026, 1, 6),
        date(2026, 1, 8),
        date(2026, 1, 13),
        date(2026, 1, 15),
        date(2026, 1, 20),
    ]
    assert first.starts_at == START
    assert first.series.until == date(2026, 1, 20)


def test_an_occurrence_that_overlaps_refuses_the_series(frozen, shared_room, alice):
    schedule(shared_room, alice, starts_at=START + timedelta(days=14))

    with pytest.raises(ValidationError, match="Tue 20 Jan"):
        schedule(shared_room, alice, starts_at=START, repeat=True, count=4)
    assert not SessionSeries.objects.exists()


def _local_starts(series, zone: str) -> list[tuple[date, time]]:
    from zoneinfo import ZoneInfo

    return [
        (s.astimezone(ZoneInfo(zone)).date(), s.astimezone(ZoneInfo(zone)).time())
        for s in ScheduledSession.objects.filter(series=series)
        .order_by("starts_at")
        .values_list("starts_at", flat=True)
    ]


@pytest.mark.parametrize(
    ("zone", "now", "first_local", "utc_hours"),
    [
        # Berlin: clocks go forward on 29 March, back on 25 October.
        ("Europe/Berlin", "2026-03-20T12:00:00+00:00", datetime(2026, 3, 23, 9), [8, 7, 7]),
        ("Europe/Berlin", "2026-10-15T12:00:00+00:00", datetime(2026, 10, 19, 9), [7, 8, 8]),
        # New York: forward on 8 March, back on 1 November.
        ("America/New_York", "2026-03-01T12:00:00+00:00", datetime(2026, 3, 2, 9), [14, 13, 13]),
        ("America/New_York", "2026-10-22T12:00:00+00:00", datetime(2026, 10, 26, 9), [13, 14, 14]),
    ],
)
def test_a_weekly_session_keeps_its_local_time_across_daylight_saving(
    time_machine, shared_room, alice, zone, now, first_local, utc_hours
):
    from zoneinfo import ZoneInfo

    time_machine.move_to(datetime.fromisoformat(now), tick=False)
    starts_at = first_local.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)

    first = schedule(
        shared_room, alice, starts_at=starts_at, timezone_name=zone, repeat=True, count=3
    )

    local = _local_starts(first.series, zone)
    assert [at for _, at in local] == [time(9, 0)] * 3
    assert [(d - local[0][0]).days for d, _ in local] == [0, 7, 14]
    utc = ScheduledSession.objects.filter(series=first.series).order_by("starts_at")
    assert [s.starts_at.astimezone(UTC).hour for s in utc] == utc_hours


def test_series_extend_keeps_rows_eight_weeks_ahead_once(time_machine, shared_room, alice):
    time_machine.move_to(T0, tick=False)
    first = schedule(shared_room, alice, repeat=True, until=date(2026, 6, 30))
    series = first.series
    assert series.sessions.count() == 9  # Tuesdays up to 8 weeks past the first
    assert series.expanded_until == date(2026, 3, 3)

    later = T0 + timedelta(weeks=3)
    time_machine.move_to(later, tick=False)
    made = services.series_extend(now=later)
    again = services.series_extend(now=later)

    assert made == 2  # up to 8 weeks past 26 January: 10 and 17 March
    assert again == 0
    assert series.sessions.count() == 11
    local = _local_starts(series, "Europe/Berlin")
    assert {at for _, at in local} == {time(10, 0)}  # START is 10:00 in Berlin
    assert {d.isoweekday() for d, _ in local} == {2}


def test_the_scheduler_extends_series_now_and_then(time_machine, shared_room, alice, monkeypatch):
    from scheduling import runner

    time_machine.move_to(T0, tick=False)
    series = schedule(shared_room, alice, repeat=True, until=date(2026, 6, 30)).series
    monkeypatch.setattr(runner, "_series_due_at", 0.0)  # as a process that just started

    time_machine.move_to(T0 + timedelta(weeks=3), tick=False)
    assert runner.series_extend_due() == 2  # the two new Tuesdays
    time_machine.move_to(T0 + timedelta(weeks=4), tick=False)
    assert runner.series_extend_due() == 0  # looked less than 10 minutes ago
    monkeypatch.setattr(runner, "_series_due_at", 0.0)
    assert runner.series_extend_due() == 1
    assert series.sessions.count() == 12

    looked = []
    monkeypatch.setattr(runner, "series_extend_due", lambda: looked.append(1) or 0)
    runner.run_due()
    assert looked == [1]  # every scheduler pass asks


def test_series_extend_stops_at_the_series_end_and_skips_a_clash(time_machine, shared_room, alice):
    time_machine.move_to(T0, tick=False)
    first = schedule(shared_room, alice, repeat=True, count=10)
    clash_at = START + timedelta(weeks=9)  # the 10th occurrence, not yet a row
    schedule(shared_room, alice, starts_at=clash_at + timedelta(minutes=15))

    later = T0 + timedelta(weeks=6)
    services.series_extend(now=later)

    starts = list(first.series.sessions.values_list("starts_at", flat=True))
    assert len(starts) == 9  # ten, less the one that would overlap
    assert clash_at not in starts
    assert services.series_extend(now=T0 + timedelta(weeks=20)) == 0


def test_a_closed_rooms_series_stops(time_machine, alice, django_capture_on_commit_callbacks):
    time_machine.move_to(T0, tick=False)
    room = room_services.room_create(owner=alice, name="Soon closed")
    first = schedule(room, alice, repeat=True, count=20)
    with django_capture_on_commit_callbacks(execute=True):
        room_services.room_close(room=room, by=alice)

    assert services.series_extend(now=T0 + timedelta(weeks=10)) == 0
    assert ScheduledSession.objects.live().filter(series=first.series).count() == 0


# --- Changing and cancelling ---------------------------------------------------------


def test_moving_a_session_tells_everyone_booked_in_their_zone(frozen, shared_room, alice, bob):
    session = schedule(shared_room, alice)
    bookings.booking_create(session=session, user=bob)  # bob reads UTC

    moved = services.session_update(session=session, by=alice, starts_at=START + timedelta(hours=1))

    assert moved.starts_at == START + timedelta(hours=1)
    assert moved.sequence == 1
    assert Notification.objects.get(user=bob).text == "“Alice's study” moved to Tue 6 Jan 10:00."


def test_an_update_is_checked_like_a_new_session(frozen, shared_room, alice, bob):
    session = schedule(shared_room, alice)
    schedule(shared_room, alice, starts_at=START + timedelta(hours=1))
    bookings.booking_create(session=session, user=bob)
    bookings.booking_create(session=session, user=alice)

    with pytest.raises(ValidationError, match="overlaps"):
        services.session_update(session=session, by=alice, starts_at=START + timedelta(minutes=45))
    with pytest.raises(ValidationError, match="keep at least 2"):
        services.session_update(session=session, by=alice, capacity=1)
    with pytest.raises(ValidationError, match="quarter hour"):
        services.session_update(session=session, by=alice, starts_at=START + timedelta(minutes=5))


def test_a_started_session_cannot_be_changed(frozen, shared_room, alice):
    session = schedule(shared_room, alice)
    frozen.move_to(START + timedelta(minutes=1), tick=False)

    with pytest.raises(ValidationError, match="started"):
        services.session_update(session=session, by=alice, capacity=3)


def test_cancelling_tells_everyone_booked_but_the_one_who_cancelled(
    frozen, shared_room, alice, bob, moderator
):
    session = schedule(shared_room, alice)
    bookings.booking_create(session=session, user=bob)
    bookings.booking_create(session=session, user=alice)

    [cancelled] = services.session_cancel(session=session, by=moderator)

    assert cancelled.cancelled_by == moderator
    assert ScheduledSession.objects.get(pk=session.pk).sequence == 1
    assert Notification.objects.filter(user=bob, text__contains="was cancelled").count() == 1
    assert Notification.objects.filter(user=alice, text__contains="was cancelled").count() == 1
    with pytest.raises(ValidationError, match="already cancelled"):
        services.session_cancel(session=session, by=alice)


def test_cancelling_the_rest_of_a_series(frozen, shared_room, alice):
    first = schedule(shared_room, alice, repeat=True, count=5)
    third = first.series.sessions.order_by("starts_at")[2]

    cancelled = services.session_cancel(session=third, by=alice, whole_series=True)

    assert len(cancelled) == 3
    assert first.series.sessions.live().count() == 2
    assert services.series_extend(now=T0 + timedelta(weeks=10)) == 0


def test_closing_a_room_cancels_its_future_sessions_and_tells_the_booked(
    frozen, shared_room, alice, bob, django_capture_on_commit_callbacks
):
    session = schedule(shared_room, alice)
    bookings.booking_create(session=session, user=bob)

    with django_capture_on_commit_callbacks(execute=True):
        room_services.room_close(room=shared_room, by=alice)

    session.refresh_from_db()
    assert session.is_cancelled
    assert Notification.objects.get(user=bob).text.endswith("was cancelled: the room closed.")


# --- Booking ---------------------------------------------------------------------------


def test_the_last_seat_goes_once_and_then_the_session_is_full(frozen, shared_room, alice, bob):
    session = schedule(shared_room, alice, capacity=1)
    bookings.booking_create(session=session, user=bob)

    with pytest.raises(ValidationError, match="full"):
        bookings.booking_create(session=session, user=alice)


def test_booking_twice_is_one_seat(frozen, shared_room, alice, bob):
    session = schedule(shared_room, alice)

    first = bookings.booking_create(session=session, user=bob)
    second = bookings.booking_create(session=session, user=bob)

    assert first.pk == second.pk
    assert Booking.objects.held().count() == 1


def test_booking_again_after_cancelling_reuses_the_row(frozen, shared_room, alice, bob):
    session = schedule(shared_room, alice)
    booking = bookings.booking_create(session=session, user=bob)
    bookings.booking_cancel(session=session, user=bob)

    again = bookings.booking_create(session=session, user=bob)

    assert again.pk == booking.pk
    assert again.cancelled_at is None
    assert Booking.objects.count() == 1


def test_cancelling_less_than_ten_minutes_before_is_late(frozen, shared_room, alice, bob):
    early = schedule(shared_room, alice)
    late = schedule(shared_room, alice, starts_at=START + timedelta(hours=1))
    bookings.booking_create(session=early, user=bob)
    bookings.booking_create(session=late, user=bob)

    frozen.move_to(START - timedelta(minutes=11), tick=False)
    assert bookings.booking_cancel(session=early, user=bob).cancelled_late is False
    frozen.move_to(late.starts_at - timedelta(minutes=9), tick=False)
    assert bookings.booking_cancel(session=late, user=bob).cancelled_late is True


def test_no_booking_once_started_or_cancelled(frozen, shared_room, alice, bob):
    session = schedule(shared_room, alice)
    cancelled = schedule(shared_room, alice, starts_at=START + timedelta(hours=1))
    services.session_cancel(session=cancelled, by=alice)

    with pytest.raises(ValidationError, match="cancelled"):
        bookings.booking_create(session=cancelled, user=bob)
    frozen.move_to(START, tick=False)
    with pytest.raises(ValidationError, match="started"):
        bookings.booking_create(session=session, user=bob)


def test_anyone_who_sees_a_public_room_books(frozen, alice, charlie, moderator):
    room = room_services.room_create(owner=alice, name="Open to all")
    session = schedule(room, alice)

    assert bookings.booking_create(session=session, user=charlie)
    assert bookings.booking_create(session=session, user=moderator)


def test_booking_is_rate_limited(frozen, alice, bob):
    room = room_services.room_create(owner=alice, name="Many")
    sessions = [
        ScheduledSessionFactory(room=room, starts_at=START + timedelta(hours=n)) for n in range(61)
    ]
    for session in sessions[:60]:
        bookings.booking_create(session=session, user=bob)

    with pytest.raises(PermissionDenied, match="too often"):
        bookings.booking_create(session=sessions[60], user=bob)


def _marked(user, room, outcomes: list[bool], *, last_at: datetime) -> None:
    """Past bookings of `user`, marked attended or not, the last one at `last_at`."""
    for n, attended in enumerate(reversed(outcomes)):
        starts = last_at - timedelta(days=n)
        session = ScheduledSessionFactory(room=room, starts_at=starts)
        BookingFactory(session=session, user=user, attended=attended)


def test_three_no_shows_of_the_last_five_limit_bookings_and_say_until_when(frozen, alice, bob):
    room = room_services.room_create(owner=alice, name="Open")
    _marked(bob, room, [True, False, True, False, False], last_at=T0 - timedelta(days=1))
    one, two = (schedule(room, alice, starts_at=START + timedelta(hours=n)) for n in (0, 1))

    bookings.booking_create(session=one, user=bob)
    with pytest.raises(ValidationError) as error:
        bookings.booking_create(session=two, user=bob)

    assert str(error.value.messages[0]) == (
        "You missed 3 of your last 5 booked sessions, so until Sun 18 Jan 08:00 "
        "you can hold 1 upcoming session at a time."
    )
    # Cancelling the one held frees the place for another.
    bookings.booking_cancel(session=one, user=bob)
    assert bookings.booking_create(session=two, user=bob)


def test_the_limit_ends_fourteen_days_after_the_last_miss(frozen, alice, bob):
    room = room_services.room_create(owner=alice, name="Open")
    _marked(bob, room, [False, False, False], last_at=T0 - timedelta(days=15))

    for n in range(2):
        session = schedule(room, alice, starts_at=START + timedelta(hours=n))
        assert bookings.booking_create(session=session, user=bob)


def test_attending_pushes_misses_out_of_the_window(frozen, alice, bob):
    room = room_services.room_create(owner=alice, name="Open")
    _marked(bob, room, [False, False, False, True, True, True], last_at=T0 - timedelta(days=1))

    for n in range(2):
        session = schedule(room, alice, starts_at=START + timedelta(hours=n))
        assert bookings.booking_create(session=session, user=bob)


def test_two_no_shows_do_not_limit(frozen, alice, bob):
    room = room_services.room_create(owner=alice, name="Open")
    _marked(bob, room, [False, True, True, True, False], last_at=T0 - timedelta(days=1))

    for n in range(3):
        bookings.booking_create(
            session=schedule(room, alice, starts_at=START + timedelta(hours=n)), user=bob
        )


# --- A person's settings -----------------------------------------------------------------


def test_the_reminder_lead_is_one_of_the_choices(frozen, bob):
    assert (
        preferences.preferences_update(user=bob, by=bob, reminder_minutes=60).reminder_minutes == 60
    )
    with pytest.raises(ValidationError):
        preferences.preferences_update(user=bob, by=bob, reminder_minutes=7)


def test_nobody_changes_someone_elses_settings(frozen, alice, bob):
    with pytest.raises(PermissionDenied):
        preferences.preferences_update(user=alice, by=bob, reminder_minutes=5)


def test_a_regenerated_feed_token_replaces_the_old(frozen, bob):
    old = preferences.preferences_for(user=bob).feed_token

    new = preferences.feed_token_regenerate(user=bob).feed_token

    assert new != old
    assert SchedulePreferences.objects.get(user=bob).feed_token == new
