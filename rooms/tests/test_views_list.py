"""The rooms list: /rooms/."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import UserFactory
from rooms import services
from rooms.models import Room
from rooms.tests.factories import ParticipantFactory, RoomFactory
from rooms.tests.helpers import HTMX, T0
from rooms.views import ROOMS_PER_PAGE
from timers.models import Timer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]

URL = reverse("rooms:list")

# Session, user, the paginator's count and the page of rooms (with owner, timer and the
# present count joined in one query).
LIST_QUERIES = 4


def _listed(response) -> list[str]:
    return [room.name for room in response.context["page"].object_list]


def test_it_lists_only_active_public_rooms(signed_in, room, private_room, alice, charlie):
    services.solo_room_for(user=charlie)
    closed = services.room_create(owner=alice, name="Closed club")
    services.room_close(room=closed, by=alice)

    response = signed_in(charlie).get(URL)

    assert response.status_code == 200
    assert _listed(response) == ["Thesis writing"]
    body = response.content.decode()
    assert "Secret lab" not in body
    assert "solo room" not in body
    assert "Closed club" not in body


@pytest.mark.parametrize("viewer", ["alice", "bob", "charlie"])
def test_every_persona_sees_the_same_public_list(signed_in, room, private_room, request, viewer):
    response = signed_in(request.getfixturevalue(viewer)).get(URL)

    assert _listed(response) == ["Thesis writing"]


def test_it_counts_only_the_people_present(signed_in, room, alice, bob, charlie):
    services.room_join(room=room, user=charlie)
    services.room_leave(room=room, user=bob)
    empty = RoomFactory(name="Empty room", owner=alice)

    response = signed_in(charlie).get(URL)

    counts = {r.name: r.present_count for r in response.context["page"].object_list}
    assert counts == {"Thesis writing": 2, "Empty room": 0}
    body = response.content.decode()
    assert "2 people" in body
    assert "0 people" in body
    assert empty.get_absolute_url() in body


def test_it_shows_the_cap_and_a_running_timer(signed_in, alice, bob):
    capped = services.room_create(owner=alice, name="Pair", max_participants=4)
    from timers import services as timer_services

    timer_services.timer_command(room=capped, by=alice, action="start")

    body = signed_in(bob).get(URL).content.decode()

    assert "1 person of 4" in body
    assert "status-running" in body
    assert "ends 25\xa0minutes" in body


def test_busier_rooms_come_first(signed_in, room, alice, charlie):
    RoomFactory(name="Newer but empty", owner=alice)

    response = signed_in(charlie).get(URL)

    assert _listed(response) == ["Thesis writing", "Newer but empty"]


def test_search_matches_part_of_the_name_ignoring_case(signed_in, room, alice, charlie):
    RoomFactory(name="Morning maths", owner=alice)

    response = signed_in(charlie).get(URL, {"q": "  THESIS "})

    assert _listed(response) == ["Thesis writing"]
    assert b'value="THESIS"' in response.content  # what was typed stays in the box


def test_a_search_without_match_says_so_and_escapes_the_text(signed_in, room, charlie):
    response = signed_in(charlie).get(URL, {"q": "<b>nothing</b>"})

    body = response.content.decode()
    assert _listed(response) == []
    assert "No open room matches “&lt;b&gt;nothing&lt;/b&gt;”." in body
    assert "<b>nothing</b>" not in body


def test_room_names_and_descriptions_are_escaped(signed_in, alice, charlie):
    RoomFactory(name="<script>alert(1)</script>", description="<img src=x>", owner=alice)

    body = signed_in(charlie).get(URL).content.decode()

    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<img src=x>" not in body


def test_an_htmx_search_returns_only_the_results_partial(signed_in, room, charlie):
    response = signed_in(charlie).get(URL, {"q": "thesis"}, headers=HTMX)

    body = response.content.decode().strip()
    assert response.status_code == 200
    assert body.startswith('<div id="room-results">')
    assert body.endswith("</div>")
    assert "<html" not in body
    assert 'role="search"' not in body
    assert "Thesis writing" in body


def test_a_boosted_htmx_request_gets_the_whole_page(signed_in, room, charlie):
    response = signed_in(charlie).get(URL, headers={**HTMX, "HX-Boosted": "true"})

    assert "<html" in response.content.decode()


def test_the_full_page_has_the_search_form_and_the_results(signed_in, room, charlie):
    body = signed_in(charlie).get(URL).content.decode()

    assert "<html" in body
    assert 'hx-get="/rooms/"' in body
    assert 'hx-target="#room-results"' in body
    assert body.count('id="room-results"') == 1


def test_it_pages_by_twenty(signed_in, alice, charlie):
    for number in range(ROOMS_PER_PAGE + 5):
        RoomFactory(name=f"Room {number:02d}", owner=alice)
    client = signed_in(charlie)

    first = client.get(URL)
    second = client.get(URL, {"page": 2})

    assert ROOMS_PER_PAGE == 20
    assert len(_listed(first)) == 20
    assert len(_listed(second)) == 5
    assert set(_listed(first)).isdisjoint(_listed(second))
    assert "Page 1 of 2" in first.content.decode()
    assert 'href="?q=&page=2"' in first.content.decode()
    assert 'href="?q=&page=1"' in second.content.decode()


def test_paging_shows_every_room_exactly_once_even_when_they_tie(signed_in, alice, charlie):
    # The clock is frozen: every room has the same creation time and nobody is in any.
    # Without a unique tiebreak, PostgreSQL put some rooms on two pages and others on none.
    for number in range(150):
        RoomFactory(name=f"Tied {number:03d}", owner=alice)
    client = signed_in(charlie)

    seen = []
    for page in range(1, 9):
        seen += _listed(client.get(URL, {"page": page}))

    assert len(seen) == 150
    assert len(set(seen)) == 150


def test_paging_keeps_the_search(signed_in, alice, charlie):
    for number in range(ROOMS_PER_PAGE + 1):
        RoomFactory(name=f"Maths {number:02d}", owner=alice)
    RoomFactory(name="Physics", owner=alice)

    response = signed_in(charlie).get(URL, {"q": "maths", "page": 2}, headers=HTMX)

    assert len(_listed(response)) == 1
    assert 'href="?q=maths&page=1"' in response.content.decode()


@pytest.mark.parametrize("page", ["999", "abc", "-1"])
def test_a_bad_page_number_falls_back_to_a_real_page(signed_in, room, charlie, page):
    response = signed_in(charlie).get(URL, {"page": page})

    assert response.status_code == 200
    assert _listed(response) == ["Thesis writing"]


def test_a_search_longer_than_the_field_is_ignored(signed_in, room, charlie):
    response = signed_in(charlie).get(URL, {"q": "x" * 81})

    assert response.status_code == 200
    assert _listed(response) == ["Thesis writing"]


def _fill(room_count: int) -> None:
    """Public rooms with three people each and a mix of running and idle timers."""
    people = UserFactory.create_batch(3)
    for number in range(room_count):
        room = RoomFactory(name=f"Busy {number}", owner=people[0], max_participants=10)
        for person in people:
            ParticipantFactory(room=room, user=person)
    running = Room.objects.filter(pk__in=Room.objects.values("pk")[: room_count // 2])
    Timer.objects.filter(room__in=running).update(
        status="running", ends_at=T0 + timedelta(minutes=20), phase_started_at=T0
    )


@pytest.mark.parametrize("room_count", [5, 50])
def test_the_list_costs_a_fixed_number_of_queries(
    signed_in, charlie, django_assert_num_queries, room_count
):
    _fill(room_count)
    client = signed_in(charlie)

    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(URL)

    assert len(_listed(response)) == min(room_count, ROOMS_PER_PAGE)
    assert "3 people of 10" in response.content.decode()


def test_the_htmx_partial_costs_the_same_as_the_page(signed_in, charlie):
    _fill(30)
    client = signed_in(charlie)

    with CaptureQueriesContext(connection) as page:
        client.get(URL, {"q": "busy"})
    with CaptureQueriesContext(connection) as partial:
        client.get(URL, {"q": "busy", "page": 2}, headers=HTMX)

    assert len(page) == len(partial) == LIST_QUERIES
