"""Partner bookings in the JSON API: the persona matrix, both spellings, JSON errors for
bad input (never a 500), the rate limit, and the schema."""

from __future__ import annotations

from datetime import timedelta

import pytest

from accounts.tests.factories import UserFactory
from partners import services
from partners.models import PartnerBooking

pytestmark = pytest.mark.django_db


def _iso(at) -> str:
    return at.isoformat().replace("+00:00", "Z")


def test_booking_twice_through_the_api_makes_a_match_seen_by_both(
    api_as,
    alice,
    bob,
    slot,
):
    first = api_as(alice).call(
        "POST", "partners/bookings", {"starts_at": _iso(slot), "work_minutes": 25}
    )
    assert first.status_code == 201, first.content
    assert first.json()["status"] == "waiting" and first.json()["partner"] is None

    # The original's spellings are accepted too.
    second = api_as(bob).call(
        "POST", "partners/bookings", {"start_time": _iso(slot), "work_duration": 25}
    )

    assert second.status_code == 201, second.content
    data = second.json()
    assert data["status"] == "matched" and data["partner"]["username"] == "alice"
    assert data["partner"]["profile_url"].endswith(alice.get_absolute_url())
    assert data["room_url"] and data["starts_at"] == _iso(slot)
    mine = api_as(alice).call("GET", "partners/bookings").json()
    assert [(b["status"], b["partner"]["username"]) for b in mine] == [("matched", "bob")]


@pytest.mark.parametrize(
    ("persona", "status"),
    [("owner", 200), ("member", 404), ("outsider", 404), ("banned", 401), ("anonymous", 401)],
)
def test_only_the_booker_reads_or_cancels_a_booking(
    api_as,
    alice,
    bob,
    charlie,
    book,
    persona,
    status,
):
    mine, _ = book(alice), book(bob)
    banned = UserFactory(username="banned")
    people = {"owner": alice, "member": bob, "outsider": charlie, "banned": banned}
    client = api_as(people.get(persona))
    if persona == "banned":
        banned.is_active = False
        banned.save(update_fields=["is_active"])

    read = client.call("GET", f"partners/bookings/{mine.pk}")
    cancelled = client.call("DELETE", f"partners/bookings/{mine.pk}")

    assert (read.status_code, cancelled.status_code) == (status, status)
    assert "detail" in cancelled.json() or cancelled.json()["status"] == "cancelled"
    mine.refresh_from_db()
    assert (mine.ended_why == "cancelled") == (persona == "owner")


@pytest.mark.parametrize(
    ("body", "status", "text"),
    [
        ({"starts_at": "OFFSET+7min", "work_minutes": 25}, 422, "quarter hour"),
        ({"starts_at": "OFFSET-3h", "work_minutes": 25}, 422, "in the past"),
        ({"starts_at": "OFFSET", "work_minutes": 40}, 422, ""),
        ({"starts_at": "OFFSET"}, 422, ""),
        ({"starts_at": "2026-01-06T09:00:00", "work_minutes": 25}, 422, "offset"),
        ({"starts_at": "9999-12-31T23:45:00-05:00", "work_minutes": 25}, 422, ""),
        ({"starts_at": "not a date", "work_minutes": 25}, 422, ""),
        ({"starts_at": "OFFSET", "work_minutes": "25\x00"}, 422, ""),
    ],
)
def test_bad_input_is_a_json_error_never_a_500(
    api_as,
    alice,
    slot,
    body,
    status,
    text,
):
    shifts = {
        "OFFSET+7min": slot + timedelta(minutes=7),
        "OFFSET-3h": slot - timedelta(hours=3),
        "OFFSET": slot,
    }
    body = {k: _iso(shifts[v]) if v in shifts else v for k, v in body.items()}
    response = api_as(alice).call("POST", "partners/bookings", body)
    assert response.status_code == status, response.content
    assert text in str(response.json()["detail"])
    assert not PartnerBooking.objects.exists()


def test_an_overlap_is_409_and_cancelling_twice_too(api_as, alice, book, slot):
    mine = book(alice, work_minutes=50)
    client = api_as(alice)
    overlap = client.call(
        "POST",
        "partners/bookings",
        {"starts_at": _iso(slot + timedelta(minutes=15)), "work_minutes": 25},
    )
    assert overlap.status_code == 409 and "overlaps" in overlap.json()["detail"]
    assert client.call("DELETE", f"partners/bookings/{mine.pk}").status_code == 200
    again = client.call("DELETE", f"partners/bookings/{mine.pk}")
    assert again.status_code == 409 and "already cancelled" in again.json()["detail"]


def test_bookings_are_rate_limited_with_429(api_as, alice, slot):
    client = api_as(alice)
    for n in range(services.BOOKINGS_PER_HOUR):
        at = slot + timedelta(hours=n)
        response = client.call(
            "POST", "partners/bookings", {"starts_at": _iso(at), "work_minutes": 25}
        )
        assert response.status_code == 201
    limited = client.call(
        "POST",
        "partners/bookings",
        {"starts_at": _iso(slot + timedelta(days=3)), "work_minutes": 25},
    )
    assert limited.status_code == 429


def test_both_spellings_are_in_the_openapi_schema(client):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/partners/bookings"]["post"]
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    body = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert {"starts_at", "start_time", "work_minutes", "work_duration"} <= set(body["properties"])
