"""The partner pages: the persona matrix on a partner booking and on the partner room,
HTMX fragments, clear errors for bad input (never a 500), and pinned query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import UserFactory
from moderation.models import Report
from partners import services
from partners.models import PartnerBooking
from partners.tests.conftest import grid_start

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
OUTSIDERS = [("outsider", 404), ("banned", "login"), ("anonymous", "login")]
OWNER_ONLY = [("owner", 302), ("member", 404), *OUTSIDERS]


@pytest.fixture
def banned(db):
    return UserFactory(username="banned", is_active=False)


@pytest.fixture
def matched(alice, bob, book):
    """Alice's booking (the owner's) and Bob's, matched together."""
    return book(alice), book(bob)


@pytest.fixture
def personas(alice, bob, charlie, banned) -> dict:
    return {
        "owner": alice,
        "member": bob,
        "outsider": charlie,
        "banned": banned,
        "anonymous": AnonymousUser(),
    }


def client_for(user) -> Client:
    client = Client()
    if user.is_authenticated:
        client.force_login(user)
    return client


def _to_login(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("persona", "expected"),
    [*OWNER_ONLY],
)
def test_only_the_booker_may_cancel_a_partner_booking(personas, matched, persona, expected):
    mine, _ = matched
    response = client_for(personas[persona]).post(reverse("partners:cancel", args=[mine.pk]))
    if expected == "login":
        assert _to_login(response)
    else:
        assert response.status_code == expected
    mine.refresh_from_db()
    assert (mine.ended_why == "cancelled") == (persona == "owner")


@pytest.mark.parametrize(
    ("persona", "expected"),
    [*OWNER_ONLY],
)
def test_only_the_booker_opens_the_room_through_their_booking(personas, matched, persona, expected):
    mine, _ = matched
    response = client_for(personas[persona]).get(reverse("partners:room", args=[mine.pk]))
    if expected == "login":
        assert _to_login(response)
    else:
        assert response.status_code == expected
    if expected == 302:
        mine.refresh_from_db()
        assert response["Location"] == mine.match.room.get_absolute_url()


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("owner", 200), ("member", 200), *OUTSIDERS],
)
def test_the_partner_room_is_for_the_two_partners_only(personas, matched, persona, expected):
    mine, _ = matched
    mine.refresh_from_db()
    response = client_for(personas[persona]).get(mine.match.room.get_absolute_url())
    if expected == "login":
        assert _to_login(response)
    else:
        assert response.status_code == expected


@pytest.mark.parametrize(
    ("persona", "expected"),
    [*OWNER_ONLY],
)
def test_only_a_partner_may_report_the_other_after_the_start(
    personas, matched, slot, persona, expected
):
    _, theirs = matched  # bob's seat, reported by the persona
    with time_machine.travel(slot + timedelta(minutes=30), tick=False):
        response = client_for(personas[persona]).post(
            reverse("partners:report", args=[theirs.pk]), {"reason": "harassment", "text": "rude"}
        )
    if expected == "login":
        assert _to_login(response)
    else:
        assert response.status_code == expected
    reports = Report.objects.filter(target_user=theirs.user)
    assert reports.count() == (1 if persona == "owner" else 0)


def test_a_report_lands_in_the_moderation_queue_with_the_session_attached(
    alice, matched, slot, moderator
):
    _, theirs = matched
    with time_machine.travel(slot + timedelta(minutes=30), tick=False):
        client_for(alice).post(
            reverse("partners:report", args=[theirs.pk]), {"reason": "harassment"}
        )
    report = Report.objects.get()
    assert report.target == theirs and report.target_user == theirs.user
    queue = client_for(moderator).get(reverse("admin:moderation_report_changelist"))
    assert queue.status_code == 200
    seat_url = reverse("admin:partners_partnerbooking_change", args=[theirs.pk])
    assert seat_url in queue.content.decode()


def test_reporting_before_the_start_is_refused_with_a_message(alice, matched):
    _, theirs = matched
    response = client_for(alice).post(
        reverse("partners:report", args=[theirs.pk]), {"reason": "spam"}, **HTMX
    )
    assert response.status_code == 400 and "once your session has started" in response.text


def test_never_match_me_with_them_again_is_a_block_that_matching_keeps(alice, bob, matched, slot):
    _, theirs = matched
    response = client_for(alice).post(reverse("partners:block", args=[theirs.pk]))
    assert response.status_code == 302
    later = slot + timedelta(hours=3)
    services.partner_book(user=alice, starts_at=later, work_minutes=25)
    assert services.partner_book(user=bob, starts_at=later, work_minutes=25).match is None


def test_find_a_partner_books_and_the_htmx_answer_is_the_panel(alice, bob, book, slot):
    book(bob)
    local = slot.astimezone(alice.tzinfo)
    response = client_for(alice).post(
        reverse("partners:book"),
        {"date": local.date().isoformat(), "time": f"{local:%H:%M}", "length": "25"},
        **HTMX,
    )
    assert response.status_code == 200
    html = response.text
    assert 'id="partner-panel"' in html and "<html" not in html
    assert 'data-status="matched"' in html and ">bob</a>" in html


@pytest.mark.parametrize(
    ("when", "length", "message"),
    [
        (timedelta(minutes=5), "25", "quarter hour"),
        (timedelta(hours=-4), "25", "in the past"),
        (timedelta(0), "40", "Select a valid choice"),
        (timedelta(0), "", "This field is required"),
    ],
)
def test_bad_input_on_the_page_is_a_clear_422_never_a_500(alice, slot, when, length, message):
    local = (slot + when).astimezone(alice.tzinfo)
    response = client_for(alice).post(
        reverse("partners:book"),
        {"date": local.date().isoformat(), "time": f"{local:%H:%M}", "length": length},
    )
    assert response.status_code == 422 and message in response.text
    assert not PartnerBooking.objects.exists()


def test_an_overlapping_booking_on_the_page_says_so(alice, book, slot):
    book(alice, work_minutes=50)
    local = (slot + timedelta(minutes=15)).astimezone(alice.tzinfo)
    response = client_for(alice).post(
        reverse("partners:book"),
        {"date": local.date().isoformat(), "time": f"{local:%H:%M}", "length": "25"},
    )
    assert response.status_code == 422 and "overlaps" in response.text


def test_with_htmx_a_refusal_comes_back_in_the_panel_that_htmx_swaps(alice, slot):
    local = (slot - timedelta(hours=4)).astimezone(alice.tzinfo)
    response = client_for(alice).post(
        reverse("partners:book"),
        {"date": local.date().isoformat(), "time": f"{local:%H:%M}", "length": "25"},
        **HTMX,
    )
    assert response.status_code == 200  # htmx swaps no 4xx answer
    assert 'id="partner-panel"' in response.text and "in the past" in response.text


def test_garbage_dates_are_422(alice):
    response = client_for(alice).post(
        reverse("partners:book"), {"date": "99999-01-01", "time": "25:61", "length": "75"}
    )
    assert response.status_code == 422


def test_the_schedule_week_loads_the_partner_panel(alice):
    response = client_for(alice).get(reverse("scheduling:week"))
    assert reverse("partners:list") in response.text and "Find a partner" in response.text


def _fill(user, count: int) -> None:
    for n in range(count):
        partner = UserFactory()
        starts_at = grid_start(hours=2 + n)
        services.partner_book(user=partner, starts_at=starts_at, work_minutes=25)
        services.partner_book(user=user, starts_at=starts_at, work_minutes=25)


@pytest.mark.parametrize("count", [1, 6])
def test_the_list_page_costs_the_same_queries_whatever_the_number(
    alice, count, django_assert_num_queries
):
    _fill(alice, count)
    client = client_for(alice)
    client.get(reverse("partners:list"))  # the session's first read
    with django_assert_num_queries(3):
        response = client.get(reverse("partners:list"))
    assert response.text.count('data-testid="partner-booking"') == count


def test_an_htmx_report_answers_the_panel_and_a_thank_you_toast(alice, matched, slot):
    _, theirs = matched
    with time_machine.travel(slot + timedelta(minutes=30), tick=False):
        answer = client_for(alice).post(
            reverse("partners:report", args=[theirs.pk]),
            {"reason": "spam"},
            headers={"HX-Request": "true"},
        )
    body = answer.content.decode()
    assert answer.status_code == 200
    assert '<div id="toasts" hx-swap-oob="beforeend">' in body
    assert f"a moderator will look at your report of {theirs.user}" in body
