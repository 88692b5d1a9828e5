"""Calendars: a session's .ics and the private feed, read back with icalendar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from scheduling import bookings, preferences, services
from scheduling.models import SchedulePreferences

pytestmark = pytest.mark.django_db

START = datetime(2026, 1, 6, 9, 0, tzinfo=UTC)


def feed_path(user) -> str:
    token = preferences.preferences_for(user=user).feed_token
    return reverse("scheduling:feed", kwargs={"token": token})


def events_of(response) -> dict:
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def test_a_sessions_ics_has_exact_utc_times(signed_in, frozen, shared_room, alice):
    session = services.session_create(room=shared_room, by=alice, starts_at=START, work_minutes=50)

    response = signed_in(alice).get(reverse("scheduling:ics", args=[session.pk]))

    [event] = events_of(response).values()
    assert event.decoded("DTSTART") == START
    assert event.decoded("DTEND") == START + timedelta(minutes=50)
    assert event["DTSTART"].to_ical() == b"20260106T090000Z"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert "attachment" in response["Content-Disposition"]


def test_the_feed_lists_booked_sessions_across_daylight_saving(
    time_machine, shared_room, alice, bob
):
    time_machine.move_to(datetime(2026, 3, 20, 12, tzinfo=UTC), tick=False)
    first = services.session_create(
        room=shared_room,
        by=alice,
        starts_at=datetime(2026, 3, 23, 8, tzinfo=UTC),  # Monday 09:00 in Berlin
        repeat=True,
        count=2,
    )
    for session in first.series.sessions.all():
        bookings.booking_create(session=session, user=bob)

    response = Client().get(feed_path(bob))  # no cookies: the token is the key

    events = sorted(events_of(response).values(), key=lambda e: e.decoded("DTSTART"))
    assert [e.decoded("DTSTART") for e in events] == [
        datetime(2026, 3, 23, 8, tzinfo=UTC),
        datetime(2026, 3, 30, 7, tzinfo=UTC),  # still 09:00 in Berlin, now on summer time
    ]


def test_uids_are_stable_and_a_cancel_raises_the_sequence(
    signed_in, frozen, shared_room, alice, bob
):
    session = services.session_create(room=shared_room, by=alice, starts_at=START)
    bookings.booking_create(session=session, user=bob)
    before = events_of(Client().get(feed_path(bob)))

    services.session_cancel(session=session, by=alice)
    after = events_of(Client().get(feed_path(bob)))

    assert before.keys() == after.keys() == {f"session-{session.pk}@focusmate"}
    [old], [new] = before.values(), after.values()
    assert (int(old["SEQUENCE"]), str(old["STATUS"])) == (0, "CONFIRMED")
    assert (int(new["SEQUENCE"]), str(new["STATUS"])) == (1, "CANCELLED")


def test_a_seat_given_back_shows_cancelled_in_the_feed(frozen, shared_room, alice, bob):
    session = services.session_create(room=shared_room, by=alice, starts_at=START)
    bookings.booking_create(session=session, user=bob)
    bookings.booking_cancel(session=session, user=bob)

    [event] = events_of(Client().get(feed_path(bob))).values()

    assert str(event["STATUS"]) == "CANCELLED"


def test_the_feed_holds_only_ones_own_sessions(frozen, shared_room, alice, bob, charlie):
    services.session_create(room=shared_room, by=alice, starts_at=START)

    assert len(events_of(Client().get(feed_path(alice)))) == 1  # she organises it
    assert events_of(Client().get(feed_path(bob))) == {}  # he hasn't booked
    assert events_of(Client().get(feed_path(charlie))) == {}


def test_a_regenerated_token_kills_the_old_url_at_once(signed_in, frozen, bob):
    old = feed_path(bob)
    assert Client().get(old).status_code == 200

    response = signed_in(bob).post(reverse("scheduling:feed_regenerate"))

    assert response.status_code == 302
    assert Client().get(old).status_code == 404
    assert Client().get(feed_path(bob)).status_code == 200


@pytest.mark.parametrize("token", ["nope", "x" * 65, "%00"])
def test_unknown_tokens_are_refused(db, token):
    # A NUL is refused by Django itself (400) before the view.
    assert Client().get(f"/schedule/feed/{token}.ics").status_code in (400, 404)


def test_a_banned_persons_feed_is_gone(frozen, bob):
    path = feed_path(bob)
    bob.is_active = False
    bob.save()

    assert Client().get(path).status_code == 404


def test_the_settings_page_shows_the_feed_and_saves_the_reminder_lead(signed_in, frozen, bob):
    client = signed_in(bob)
    page = client.get(reverse("scheduling:settings")).content.decode()
    token = SchedulePreferences.objects.get(user=bob).feed_token
    assert f"/schedule/feed/{token}.ics" in page

    response = client.post(reverse("scheduling:settings"), {"reminder_minutes": "30"})

    assert response.status_code == 302
    assert SchedulePreferences.objects.get(user=bob).reminder_minutes == 30
    bad = client.post(reverse("scheduling:settings"), {"reminder_minutes": "7"})
    assert bad.status_code == 422


def test_the_settings_page_needs_a_login(signed_in, db):
    assert signed_in(None).get(reverse("scheduling:settings")).status_code == 302
    assert signed_in(None).post(reverse("scheduling:feed_regenerate")).status_code == 302
