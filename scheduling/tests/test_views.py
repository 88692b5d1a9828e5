"""The schedule's pages: who may open what, one-click booking, the forms' errors, the
week in the viewer's zone, and a fixed number of queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from rooms import services as room_services
from scheduling import bookings, services
from scheduling.models import Booking, ScheduledSession
from scheduling.tests.conftest import HTMX, T0

pytestmark = pytest.mark.django_db

START = datetime(2026, 1, 6, 9, 0, tzinfo=UTC)  # Tue 10:00 in Berlin


@pytest.fixture
def session(frozen, shared_room, alice):
    """Alice's session in her private room, tomorrow at 10:00 Berlin time."""
    return services.session_create(room=shared_room, by=alice, starts_at=START, work_minutes=25)


def url(name: str, session) -> str:
    return reverse(f"scheduling:{name}", kwargs={"session_id": session.pk})


# --- Who may open what -----------------------------------------------------------------

PAGES = {
    # page: persona -> status
    "session": {"owner": 200, "member": 200, "outsider": 404, "moderator": 404, "anonymous": 302},
    "ics": {"owner": 200, "member": 200, "outsider": 404, "moderator": 404, "anonymous": 302},
    "edit": {"owner": 200, "member": 403, "outsider": 404, "moderator": 404, "anonymous": 302},
}


@pytest.mark.parametrize("persona", ["owner", "member", "outsider", "moderator", "anonymous"])
@pytest.mark.parametrize("page", list(PAGES))
def test_session_pages_persona_matrix(signed_in, personas, session, page, persona):
    response = signed_in(personas[persona]).get(url(page, session))

    assert response.status_code == PAGES[page][persona]
    if persona == "anonymous":
        assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize("persona", ["owner", "member", "outsider", "moderator", "anonymous"])
def test_the_week_shows_a_private_rooms_sessions_to_its_members_only(
    signed_in, personas, session, persona
):
    response = signed_in(personas[persona]).get(reverse("scheduling:week"))

    if persona == "anonymous":
        assert response.status_code == 302
        return
    assert response.status_code == 200
    shown = f'data-session="{session.pk}"' in response.content.decode()
    assert shown == (persona in ("owner", "member"))


@pytest.mark.parametrize(
    ("persona", "status", "booked"),
    [
        ("owner", 302, True),
        ("member", 302, True),
        ("outsider", 404, False),
        ("moderator", 404, False),
        ("anonymous", 302, False),
    ],
)
def test_booking_persona_matrix(signed_in, personas, session, persona, status, booked):
    response = signed_in(personas[persona]).post(url("book", session))

    assert response.status_code == status
    user = personas[persona]
    holds = user.is_authenticated and Booking.objects.held().filter(user=user).exists()
    assert holds == booked


@pytest.mark.parametrize(
    ("persona", "cancelled"),
    [("owner", True), ("member", False), ("outsider", False), ("moderator", False)],
)
def test_cancel_persona_matrix(signed_in, personas, session, persona, cancelled):
    """Moderators cancel from the admin; on the site they don't see a private room."""
    response = signed_in(personas[persona]).post(url("cancel", session))

    assert response.status_code in (302, 404)
    session.refresh_from_db()
    assert session.is_cancelled == cancelled


def test_anonymous_cannot_cancel(signed_in, session):
    response = signed_in(None).post(url("cancel", session))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    session.refresh_from_db()
    assert not session.is_cancelled


def test_the_session_page_lists_who_booked(signed_in, session, alice, bob):
    bookings.booking_create(session=session, user=bob)

    body = signed_in(alice).get(url("session", session)).content.decode()

    assert body.count('data-testid="booked-person"') == 1
    assert "bob" in body


# --- One-click booking ------------------------------------------------------------------


def test_htmx_booking_answers_the_booking_block(signed_in, session, bob):
    response = signed_in(bob).post(url("book", session), headers=HTMX)

    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="booking-{session.pk}"' in body
    assert "You're booked" in body
    assert "1/8 booked" in body


def test_htmx_cancel_answers_the_book_button_again(signed_in, session, bob):
    bookings.booking_create(session=session, user=bob)

    response = signed_in(bob).post(url("unbook", session), headers=HTMX)

    assert ">Book</button>" in response.content.decode()
    assert not Booking.objects.held().exists()


def test_without_js_booking_goes_back_where_it_came_from(signed_in, session, bob):
    week = reverse("scheduling:week") + "?mine=1"

    response = signed_in(bob).post(url("book", session), {"next": week})

    assert response.status_code == 302
    assert response.url == week


def test_booking_never_redirects_off_site(signed_in, session, bob):
    response = signed_in(bob).post(url("book", session), {"next": "https://evil.example/"})

    assert response.url == url("session", session)


def test_a_full_session_is_refused_as_a_toast(signed_in, frozen, shared_room, alice, bob):
    full = services.session_create(room=shared_room, by=alice, starts_at=START, capacity=1)
    bookings.booking_create(session=full, user=alice)

    response = signed_in(bob).post(url("book", full), headers=HTMX)

    assert response.status_code == 400
    assert response.content.decode() == "This session is full."


def test_booking_needs_a_post_and_csrf(signed_in, session, bob):
    from django.test import Client

    assert signed_in(bob).get(url("book", session)).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(bob)
    assert strict.post(url("book", session)).status_code == 403


# --- Scheduling through the form ----------------------------------------------------------


def form_data(room, **overrides) -> dict:
    # Alice's zone is Europe/Berlin: the form is read in it.
    return {
        "room": room.pk,
        "date": "2026-01-06",
        "time": "10:00",
        "length": "25",
        "capacity": "",
        "title": "Deep work",
    } | overrides


def test_the_owner_schedules_from_the_form(signed_in, frozen, shared_room, alice):
    response = signed_in(alice).post(reverse("scheduling:new"), form_data(shared_room))

    created = ScheduledSession.objects.get()
    assert response.status_code == 302
    assert response.url == url("session", created)
    assert created.starts_at == START  # 10:00 Berlin
    assert created.timezone == "Europe/Berlin"
    assert created.capacity == 8


def test_a_weekly_series_from_the_form(signed_in, frozen, shared_room, alice):
    data = form_data(shared_room, repeat="on", weekdays=["2", "4"], count="4")

    signed_in(alice).post(reverse("scheduling:new"), data)

    assert ScheduledSession.objects.filter(series__isnull=False).count() == 4


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"date": "2026-01-04"}, "can&#x27;t start in the past"),
        ({"time": "10:10"}, "quarter hour"),
        ({"date": "9999-12-31"}, "at most a year ahead"),
        ({"date": "9999-12-31", "time": "23:45"}, "at most a year ahead"),
        ({"date": "0001-01-01", "time": "00:00"}, "at most a year ahead"),
        ({"date": "2026-13-45"}, "Enter a valid date"),
        ({"capacity": "0"}, "greater than or equal to 1"),
        ({"capacity": str(10**9)}, "less than or equal to 500"),
        ({"capacity": "9"}, "between 1 and 8"),
        ({"length": "30"}, "Select a valid choice"),
        ({"repeat": "on"}, "when the repetition ends"),
        ({"repeat": "on", "count": "100000"}, "less than or equal to 200"),
        ({"title": "x\x00y"}, "character"),
        ({"date": "2026-03-29", "time": "02:30"}, "doesn&#x27;t exist"),
    ],
)
def test_bad_input_gets_a_form_error_never_a_500(
    signed_in, frozen, shared_room, alice, overrides, message
):
    response = signed_in(alice).post(reverse("scheduling:new"), form_data(shared_room, **overrides))

    assert response.status_code == 422
    assert message in response.content.decode()
    assert not ScheduledSession.objects.exists()


def test_an_overlap_gets_a_form_error(signed_in, session, shared_room, alice):
    response = signed_in(alice).post(
        reverse("scheduling:new"), form_data(shared_room, time="10:15")
    )

    assert response.status_code == 422
    assert "overlaps" in response.content.decode()


def test_nobody_schedules_in_someone_elses_room(signed_in, frozen, shared_room, bob):
    response = signed_in(bob).post(reverse("scheduling:new"), form_data(shared_room))

    assert response.status_code == 422
    assert not ScheduledSession.objects.exists()
    assert (
        signed_in(bob).get(reverse("scheduling:new") + f"?room={shared_room.pk}").status_code == 404
    )


def test_the_owner_moves_a_session_in_its_own_zone(signed_in, session, alice):
    data = {"date": "2026-01-07", "time": "11:30", "length": "50", "capacity": "4", "title": ""}

    response = signed_in(alice).post(url("edit", session), data)

    assert response.status_code == 302
    session.refresh_from_db()
    assert session.starts_at == datetime(2026, 1, 7, 10, 30, tzinfo=UTC)
    assert session.ends_at - session.starts_at == timedelta(minutes=50)
    assert session.capacity == 4


def test_user_content_is_escaped(signed_in, frozen, shared_room, alice):
    services.session_create(
        room=shared_room, by=alice, starts_at=START, title="<script>alert(1)</script>"
    )

    for page in (reverse("scheduling:week"), shared_room.get_absolute_url()):
        body = signed_in(alice).get(page).content.decode()
        assert "<script>alert(1)</script>" not in body
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


# --- The week ---------------------------------------------------------------------------


def test_the_week_shows_times_in_the_viewers_zone_and_the_organisers(signed_in, session, bob):
    """Bob reads UTC; Alice organised in Berlin."""
    body = signed_in(bob).get(reverse("scheduling:week")).content.decode()

    assert "09:00\N{EN DASH}09:25" in body
    assert "(10:00 Europe/Berlin)" in body


def test_the_organiser_sees_only_their_own_zone(signed_in, session, alice):
    body = signed_in(alice).get(reverse("scheduling:week")).content.decode()

    assert "10:00\N{EN DASH}10:25" in body
    assert "(10:00 Europe/Berlin)" not in body


@pytest.mark.parametrize(
    ("query", "shown"),
    [("", True), ("?mine=1", False), ("?booked=1", True), ("?room=999999", False)],
)
def test_the_week_filters(signed_in, session, bob, query, shown):
    bookings.booking_create(session=session, user=bob)

    body = signed_in(bob).get(reverse("scheduling:week") + query).content.decode()

    assert (f'data-session="{session.pk}"' in body) == shown


def test_the_people_i_follow_filter_shows_what_they_organise_or_booked(
    signed_in, frozen, alice, bob, charlie, django_assert_num_queries
):
    from accounts.services import follow_create

    public = room_services.room_create(owner=alice, name="Open study")
    organised = services.session_create(room=public, by=alice, starts_at=START)
    booked = services.session_create(room=public, by=alice, starts_at=START + timedelta(hours=2))
    bookings.booking_create(session=booked, user=charlie)
    week = reverse("scheduling:week") + "?week=2026-01-06&followed=1"
    client = signed_in(bob)

    def shown() -> set[int]:
        body = client.get(week).content.decode()
        return {s.pk for s in (organised, booked) if f'data-session="{s.pk}"' in body}

    assert shown() == set()
    follow_create(follower=bob, followed=charlie)
    assert shown() == {booked.pk}
    follow_create(follower=bob, followed=alice)
    # the filter is part of the week's one query
    with django_assert_num_queries(5):
        assert shown() == {organised.pk, booked.pk}


def test_the_room_filter(signed_in, session, shared_room, alice):
    other = room_services.room_create(owner=alice, name="Other")
    elsewhere = services.session_create(room=other, by=alice, starts_at=START)

    body = signed_in(alice).get(f"{reverse('scheduling:week')}?room={other.pk}").content.decode()

    assert f'data-session="{elsewhere.pk}"' in body
    assert f'data-session="{session.pk}"' not in body


def test_previous_and_next_weeks(signed_in, session, alice):
    next_week = signed_in(alice).get(reverse("scheduling:week") + "?week=2026-01-12")
    this_week = signed_in(alice).get(reverse("scheduling:week") + "?week=2026-01-08")

    assert f'data-session="{session.pk}"' not in next_week.content.decode()
    assert f'data-session="{session.pk}"' in this_week.content.decode()
    assert "week=2026-01-12" in this_week.content.decode()  # the next week's link
    assert "week=2025-12-29" in this_week.content.decode()  # the previous week's


@pytest.mark.parametrize("week", ["9999-12-31", "0001-01-01", "garbage", "2026-02-30"])
def test_odd_weeks_never_500(signed_in, session, alice, week):
    assert signed_in(alice).get(reverse("scheduling:week") + f"?week={week}").status_code == 200


def test_the_booking_limit_is_explained_on_the_week(signed_in, frozen, alice, bob):
    from scheduling.tests.factories import BookingFactory, ScheduledSessionFactory

    room = room_services.room_create(owner=alice, name="Open")
    for n in range(3):
        past = ScheduledSessionFactory(room=room, starts_at=T0 - timedelta(days=n + 1))
        BookingFactory(session=past, user=bob, attended=False)

    body = signed_in(bob).get(reverse("scheduling:week")).content.decode()

    assert "You missed 3 of your last 3 booked sessions, so until Sun 18 Jan 08:00" in body


@pytest.mark.parametrize("count", [10, 10_000])
def test_the_week_costs_the_same_queries_for_10_or_10000_sessions(
    signed_in, frozen, alice, bob, django_assert_num_queries, count
):
    room = room_services.room_create(owner=alice, name="Busy")
    ScheduledSession.objects.bulk_create(
        [
            ScheduledSession(
                room=room,
                organiser=alice,
                starts_at=START + timedelta(minutes=(n % 500) * 15),
                ends_at=START + timedelta(minutes=(n % 500) * 15 + 25),
                work_minutes=25,
                capacity=10,
                timezone="Europe/Berlin",
            )
            for n in range(count)
        ],
        batch_size=2000,
    )
    client = signed_in(bob)

    # session, user, the week's sessions, the rooms to filter by, the booking limit
    with django_assert_num_queries(5):
        response = client.get(reverse("scheduling:week"))

    assert response.status_code == 200
    assert response.content.decode().count('class="slot card') == min(count, 300)


def test_the_session_page_costs_a_fixed_number_of_queries(
    signed_in, session, alice, bob, django_assert_num_queries
):
    from accounts.tests.factories import UserFactory

    for person in UserFactory.create_batch(5):
        room_services.room_join(room=session.room, user=person, token=session.room.invite_token)
        bookings.booking_create(session=session, user=person)
    client = signed_in(bob)

    # session, user, the session with its room and counts, who booked
    with django_assert_num_queries(4):
        client.get(url("session", session))


def test_the_room_page_shows_its_next_sessions(signed_in, session, shared_room, bob):
    body = signed_in(bob).get(shared_room.get_absolute_url()).content.decode()

    assert "Next sessions" in body
    assert f'id="booking-{session.pk}"' in body
