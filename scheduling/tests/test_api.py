"""The schedule's JSON API: the same rules as the pages, JSON errors, never a 500."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from icalendar import Calendar

from api.tests.conftest import api_as  # noqa: F401  (the token clients)
from rooms import services as room_services
from scheduling import bookings, services
from scheduling.models import ScheduledSession

pytestmark = pytest.mark.django_db

START = datetime(2026, 1, 6, 9, 0, tzinfo=UTC)


def body(room, **overrides) -> dict:
    return {"room_id": room.pk, "starts_at": "2026-01-06T09:00:00Z", "work_minutes": 25} | overrides


def test_the_owner_schedules_and_reads_it_back(api_as, frozen, shared_room, alice):  # noqa: F811
    client = api_as(alice)

    created = client.call("POST", "schedule/sessions", body(shared_room, title="Deep work"))

    assert created.status_code == 201, created.content
    data = created.json()
    assert data["starts_at"] == "2026-01-06T09:00:00Z"
    assert data["ends_at"] == "2026-01-06T09:25:00Z"
    assert data["capacity"] == 8 and data["booked"] == []
    listed = client.call("GET", "schedule/sessions").json()
    assert [s["id"] for s in listed] == [data["id"]]


def test_a_weekly_series_through_the_api(api_as, frozen, shared_room, alice):  # noqa: F811
    response = api_as(alice).call(
        "POST", "schedule/sessions", body(shared_room, repeat=True, weekdays=[2, 5], count=4)
    )

    assert response.status_code == 201
    assert ScheduledSession.objects.filter(series_id=response.json()["series_id"]).count() == 4


@pytest.mark.parametrize(
    ("overrides", "status", "text"),
    [
        ({"starts_at": "2026-01-01T09:00:00Z"}, 422, "in the past"),
        ({"starts_at": "2026-01-06T09:10:00Z"}, 422, "quarter hour"),
        ({"starts_at": "9999-12-31T23:45:00Z"}, 422, "a year ahead"),
        ({"starts_at": "9999-12-31T23:45:00-05:00"}, 422, "out of range"),
        ({"starts_at": "2026-01-06T09:00:00+20:34"}, 422, ""),
        ({"starts_at": "0001-01-01T00:00:00+05:00"}, 422, ""),
        ({"starts_at": "2026-01-06T09:00:00"}, 422, "offset"),
        ({"capacity": 0}, 422, ""),
        ({"capacity": 10**9}, 422, ""),
        ({"capacity": 9}, 422, "between 1 and 8"),
        ({"work_minutes": 30}, 422, ""),
        ({"repeat": True}, 422, "when the repetition ends"),
        ({"repeat": True, "weekdays": [9], "count": 2}, 422, ""),
        ({"timezone": "Nowhere/Land"}, 422, "not a time zone"),
        ({"title": "a\x00b"}, 422, ""),
        ({"room_id": 2**31 - 1}, 404, ""),
    ],
)
def test_bad_input_is_a_json_error_never_a_500(
    api_as,  # noqa: F811
    frozen,
    shared_room,
    alice,
    overrides,
    status,
    text,
):
    response = api_as(alice).call("POST", "schedule/sessions", body(shared_room, **overrides))

    assert response.status_code == status, response.content
    assert set(response.json()) == {"detail"}
    assert text in str(response.json()["detail"])


def test_an_overlap_is_a_conflict(api_as, frozen, shared_room, alice):  # noqa: F811
    client = api_as(alice)
    client.call("POST", "schedule/sessions", body(shared_room))

    response = client.call(
        "POST", "schedule/sessions", body(shared_room, starts_at="2026-01-06T09:15:00Z")
    )

    assert response.status_code == 409
    assert "overlaps" in response.json()["detail"]


def test_booking_the_last_seat_and_then_full(api_as, frozen, alice, bob, charlie):  # noqa: F811
    room = room_services.room_create(owner=alice, name="Open")
    session = services.session_create(room=room, by=alice, starts_at=START, capacity=1)
    path = f"schedule/sessions/{session.pk}/booking"

    first = api_as(bob).call("POST", path)
    second = api_as(charlie).call("POST", path)

    assert first.status_code == 200 and first.json()["booked"] is True
    assert first.json()["booked_count"] == 1
    assert second.status_code == 409
    assert second.json() == {"detail": "This session is full."}


def test_moving_a_session_through_the_api(api_as, frozen, shared_room, alice):  # noqa: F811
    session = services.session_create(room=shared_room, by=alice, starts_at=START)

    response = api_as(alice).call(
        "PATCH",
        f"schedule/sessions/{session.pk}",
        {"starts_at": "2026-01-06T11:00:00+01:00", "room_phases": True},
    )

    assert response.status_code == 200, response.content
    assert response.json()["starts_at"] == "2026-01-06T10:00:00Z"
    assert response.json()["work_minutes"] is None


def test_the_feed_url_from_the_api_serves_the_feed(api_as, client, frozen, shared_room, alice, bob):  # noqa: F811
    session = services.session_create(room=shared_room, by=alice, starts_at=START)
    bookings.booking_create(session=session, user=bob)
    api = api_as(bob)

    url = api.call("GET", "schedule/feed").json()["url"]
    feed = client.get(url.removeprefix("http://testserver"))
    new_url = api.call("POST", "schedule/feed").json()["url"]

    assert len(Calendar.from_ical(feed.content).walk("VEVENT")) == 1
    assert new_url != url
    assert client.get(url.removeprefix("http://testserver")).status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        "?start=2026-01-06T00:00:00Z&end=2026-01-05T00:00:00Z",
        "?start=2026-01-06T00:00:00Z&end=2027-01-05T00:00:00Z",
        "?start=garbage",
        "?room_id=0",
        "?start=9999-12-31T23:59:59Z",
        "?start=1459-09-25T18:32:19%2B20:34",
    ],
)
def test_odd_list_queries_never_500(api_as, frozen, alice, query):  # noqa: F811
    response = api_as(alice).call("GET", f"schedule/sessions{query}")

    assert response.status_code < 500
    if response.status_code >= 400:
        assert set(response.json()) == {"detail"}
