from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.urls import reverse

from stats.models import SessionHistory

pytestmark = pytest.mark.django_db

URL = reverse("stats:overview")


@pytest.fixture
def now(alice, time_machine):
    moment = datetime(2026, 3, 20, 12, 0, tzinfo=alice.tzinfo)
    time_machine.move_to(moment, tick=False)
    return moment


def test_it_needs_login(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


@pytest.mark.parametrize("rows", [10, 5000])
def test_the_page_costs_the_same_queries_for_10_or_5000_sessions(
    client, alice, room, now, add_history, rows, django_assert_num_queries
):
    add_history(alice, room, count=rows, last=now - timedelta(hours=1), every=timedelta(hours=2))
    SessionHistory.objects.filter(kind="work").update(goal="Chapter 3", outcome="done")
    client.force_login(alice)

    # session, user; period totals, focus per day, sessions by hour, recent goals;
    # heatmap days, streak days; scheduled sessions attended
    with django_assert_num_queries(9):
        response = client.get(URL, {"range": "365"})

    assert response.status_code == 200
    # 12 a day for 364 days, and 6 so far today (it is noon)
    expected = 10 if rows == 10 else 364 * 12 + 6
    assert response.context["summary"].totals.work_sessions == expected


@pytest.mark.parametrize("rows", [10, 5000])
def test_the_htmx_fragment_costs_the_same_queries_whatever_the_history(
    client, alice, room, now, add_history, rows, django_assert_num_queries
):
    add_history(alice, room, count=rows, last=now - timedelta(hours=1), every=timedelta(hours=2))
    SessionHistory.objects.filter(kind="work").update(goal="Chapter 3", outcome="partly")
    client.force_login(alice)

    # session, user; period totals, focus per day, sessions by hour, recent goals
    with django_assert_num_queries(6):
        response = client.get(URL, {"range": "7"}, headers={"HX-Request": "true"})

    assert response.status_code == 200


def test_the_page_shows_totals_streak_charts_and_heatmap(client, alice, room, now, add_history):
    # a work session every 8 hours (19:00, 03:00, 11:00) from the 10th to today, the 20th
    add_history(alice, room, count=30, last=now - timedelta(hours=1), every=timedelta(hours=8))
    client.force_login(alice)

    response = client.get(URL, {"range": "7"})

    body = response.content.decode()
    assert response.status_code == 200
    assert response["Vary"].count("HX-Request") == 1
    assert 'data-testid="daily-chart"' in body
    assert 'data-testid="hourly-chart"' in body
    assert body.count('class="bar"') == 7 + 3  # a bar per day, one per used hour
    assert 'data-testid="heatmap"' in body
    assert body.count("<rect x=") >= 7 * 53 - 6  # heatmap cells, this week up to today
    assert "Sat 14 Mar 2026: 1 h 15 min, 3 work sessions" in body  # a day's tooltip
    streaks = response.context["streaks"]
    assert (streaks.current, streaks.longest) == (11, 11)
    assert "11 days" in body
    summary = response.context["summary"]
    assert summary.totals.work_sessions == 6 * 3 + 2
    assert summary.previous.work_sessions == 3 * 3 + 1


def test_htmx_gets_only_the_fragment_for_the_chosen_period(client, alice, now):
    client.force_login(alice)

    response = client.get(URL, {"range": "90"}, headers={"HX-Request": "true"})

    body = response.content.decode()
    assert body.lstrip().startswith('<div id="stats-body"')
    assert "<html" not in body
    assert 'data-testid="heatmap"' not in body
    assert response.context["period"].days == 90
    assert '<a href="?range=90"' in body and 'aria-current="page">90 days' in body


def test_a_custom_range_is_shown(client, alice, now):
    client.force_login(alice)

    response = client.get(URL, {"range": "custom", "start": "2026-01-01", "end": "2026-01-31"})

    assert response.status_code == 200
    assert response.context["period"].days == 31
    assert "1 Jan 2026 \N{EN DASH} 31 Jan 2026" in response.content.decode()
    assert "range=custom&amp;start=2026-01-01&amp;end=2026-01-31" in response.content.decode()
    # Each date field carries the same words as the heading beside its numbers.
    body = response.content.decode()
    assert 'id="period-start" name="start" value="2026-01-01"' in body
    assert 'data-testid="start-words">1 Jan 2026</span>' in body
    assert 'data-testid="end-words">31 Jan 2026</span>' in body


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"range": "12"}, "Select a valid choice"),
        ({"range": "custom", "start": "2026-02-30", "end": "2026-03-01"}, "Enter a valid date"),
        ({"range": "custom", "start": "2026-03-01"}, "Choose both a start and an end date"),
        ({"range": "custom", "start": "2026-03-10", "end": "2026-03-01"}, "on or before the end"),
        ({"range": "custom", "start": "2026-04-01", "end": "2026-04-02"}, "in the future"),
        ({"range": "custom", "start": "2020-01-01", "end": "2026-03-01"}, "at most 731 days"),
    ],
)
def test_bad_input_shows_a_clear_error_and_falls_back_to_30_days(
    client, alice, now, params, message
):
    client.force_login(alice)

    response = client.get(URL, params)

    body = response.content.decode()
    assert response.status_code == 200
    assert message in body
    assert "Showing the last 30 days instead." in body
    assert response.context["period"].days == 30


def test_user_timezone_text_is_escaped(client, alice, now):
    # Only numbers and dates reach the charts; the one free text is the timezone name.
    client.force_login(alice)

    body = client.get(URL).content.decode()

    assert "Europe/Berlin" in body
    assert "<script" not in body.split("</head>")[1].replace('<script src="', "")


def test_the_heatmap_scrolls_by_keyboard_and_empty_charts_have_no_axes(client, alice, now):
    client.force_login(alice)  # no history at all

    body = client.get(URL).content.decode()

    assert '<div class="heatmap-scroll" tabindex="0" role="region" aria-label=' in body
    assert body.count("Nothing yet in this period.") == 2
    # An empty chart has no "0 min" top label and no day or hour labels under it.
    assert "bar-chart-top" not in body
    assert "bar-chart-x" not in body


def test_it_shows_attendance_over_the_last_booked_sessions(client, bob, now):
    from scheduling.tests.factories import BookingFactory, ScheduledSessionFactory

    for days, came in [(1, True), (2, False), (3, True)]:
        session = ScheduledSessionFactory(starts_at=now - timedelta(days=days))
        BookingFactory(session=session, user=bob, attended=came)
    client.force_login(bob)

    response = client.get(URL)

    card = response.content.decode().split('data-testid="attendance"')[1].split("</div>")[0]
    assert "2 of 3" in card and "1 missed" in card
