"""Every URL, as every persona, with hostile input: never a 5xx, and no GET writes.

The walk reads the project's URL patterns, so URLs added later join it by themselves.
Django's admin is left out: it is Django's own (with its own tests), only staff reach
it, and walking its hundreds of generated URLs would take minutes.
"""

from __future__ import annotations

import itertools
import re

import pytest
from allauth.account.models import EmailAddress
from django.core.signals import got_request_exception
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver

from rooms import services as room_services

pytestmark = pytest.mark.django_db

HOSTILE_SEGMENTS = [
    "%00",
    "x%00y",
    "A" * 3000,
    "%D9%A1%D9%A2",  # Arabic-Indic digits
    "%C2%B2",  # superscript two: a "digit" to str.isdigit(), not to int()
    "-1",
    "0",
    "9" * 30,  # past a 64-bit id
    "..%2F..%2Fetc%2Fpasswd",
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
]
HOSTILE_VALUES = [
    "\x00",
    "-1",
    "9" * 40,
    "١٢",
    "²",
    "0001-01-01",
    "9999-12-31",
    "1-01-01",
    "<script>alert(1)</script>",
    "",
    "x" * 5000,
]
PARAMS = [
    "range",
    "page",
    "q",
    "room",
    "start",
    "end",
    "from",
    "to",
    "period",
    "days",
    "sort",
    "category",
    "before",
    "up_to",
    "next",
    "action",
    "intention",
    "name",
    "body",
    "title",
    "token",
    "timezone",
    "bio",
]


def _patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if route.startswith("admin/"):
            continue
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, route)
        elif isinstance(entry, URLPattern):
            yield route


def _fill(route: str, value: str) -> str:
    path = re.sub(r"<(?:\w+:)?\w+>", value, route)
    path = path.lstrip("^").rstrip("$").replace("\\Z", "")
    return "/" + path


@pytest.fixture
def personas(alice, bob, charlie):
    for user in (alice, bob, charlie):  # as a signup through allauth leaves them
        EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    room = room_services.room_create(owner=alice, name="Walked", is_public=False)
    room_services.room_join(room=room, user=bob, token=room.invite_token)
    clients = {"anonymous": Client(raise_request_exception=False)}
    for user in (alice, bob, charlie):
        client = Client(raise_request_exception=False)
        client.force_login(user)
        clients[user.username] = client
    return clients, room


def _walk(clients, values_for_segments, methods=("get", "post")):
    errors = []

    def record(sender, request=None, **kwargs):
        errors.append(getattr(request, "path", "?"))

    got_request_exception.connect(record)
    failures = []
    try:
        for route, segment, method, (who, client) in itertools.product(
            sorted(set(_patterns())), values_for_segments, methods, clients.items()
        ):
            path = _fill(route, segment)
            data = {
                name: HOSTILE_VALUES[hash((path, name)) % len(HOSTILE_VALUES)] for name in PARAMS
            }
            response = getattr(client, method)(path, data)
            if response.status_code >= 500:
                failures.append(f"{method.upper()} {path[:120]} as {who}: {response.status_code}")
    finally:
        got_request_exception.disconnect(record)
    return failures


def test_no_hostile_path_or_parameter_reaches_a_server_error(personas):
    clients, room = personas
    segments = [*HOSTILE_SEGMENTS, str(room.pk), room.invite_token, "alice"]

    failures = _walk(clients, segments)

    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_every_parameter_hostile_at_once_on_every_page_is_never_a_server_error(personas, value):
    clients, room = personas
    failures = []
    for route in sorted(set(_patterns())):
        path = _fill(route, str(room.pk) if "<int:" in route else "alice")
        for who, client in clients.items():
            response = client.get(path, dict.fromkeys(PARAMS, value))
            if response.status_code >= 500:
                failures.append(f"GET {path} as {who}: {response.status_code}")

    assert not failures, "\n".join(failures)


CALENDAR_EDGES = [
    {"range": "custom", "start": "0001-01-01", "end": "9999-12-31"},
    {"range": "custom", "start": "9999-12-31", "end": "9999-12-31"},
    {"range": "custom", "start": "0001-01-01", "end": "0001-01-02"},
    {"range": "custom", "start": "2026-02-30", "end": "2026-13-01"},
    {"range": "all", "start": "١٢", "end": "²"},
    {"room": "١٢"},
    {"room": "²"},
    {"room": "9" * 25},
]


@pytest.mark.parametrize("params", CALENDAR_EDGES)
def test_dates_at_the_calendar_edges_and_odd_digits_are_answered_cleanly(personas, params):
    clients, _ = personas
    for path in ("/stats/", "/stats/export.csv", "/stats/leaderboard/"):
        response = clients["alice"].get(path, params)
        assert response.status_code < 500, (path, params, response.status_code)
        if path == "/stats/export.csv" and response.status_code == 200:
            b"".join(response.streaming_content)  # the stream itself must not fail


WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.I)


def test_no_get_changes_anything(personas):
    """Opening any page, as anyone, writes nothing (the session table aside: it is the
    visitor's own request state, e.g. a flash message shown once)."""
    clients, room = personas
    writes = []
    for route in sorted(set(_patterns())):
        path = _fill(route, str(room.pk) if "<int:" in route else room.invite_token)
        if "<str:username>" in route:
            path = _fill(route, "alice")
        for who, client in clients.items():
            with CaptureQueriesContext(connection) as captured:
                client.get(path)
            for query in captured:
                if WRITES.match(query["sql"]) and "django_session" not in query["sql"]:
                    writes.append(f"GET {path} as {who}: {query['sql'][:100]}")

    assert not writes, "\n".join(writes)
