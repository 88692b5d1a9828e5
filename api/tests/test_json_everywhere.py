"""Every answer under /api/v1 is JSON, with DEBUG on and off, and a path is served with
or without its trailing slash, never redirected."""

from __future__ import annotations

import re

import pytest
from django.urls import resolve

from api.api import api, url_patterns
from api.tests.conftest import ApiClient

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/nope",
        "/api/v1/nope/",
        "/api/v1/rooms/1/nope",
        "/api/v1/timer/",
        "/api/v1/notifications/ws",
    ],
)
@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_an_unknown_path_is_a_json_404(debug, api_as, alice, path, method):
    answer = api_as(alice).call(method, path)
    assert answer.status_code == 404
    assert answer["Content-Type"].startswith("application/json")
    assert answer.json() == {"detail": "Not Found"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("DELETE", "achievements/"),
        ("PATCH", "rooms/"),
        ("GET", "auth/login"),
        ("PUT", "messages/send"),
    ],
)
def test_a_wrong_method_is_a_json_405_with_allow(debug, api_as, alice, method, path):
    answer = api_as(alice).call(method, path)
    assert answer.status_code == 405
    assert answer.json() == {"detail": "Method Not Allowed"}
    assert answer["Allow"]


def test_a_server_error_is_json_and_logged(debug, api_as, alice, monkeypatch, caplog):
    from api.routers import rooms

    def broken(**kwargs):
        raise RuntimeError("the database caught fire")

    monkeypatch.setattr(rooms, "_room_rows", broken)
    client = api_as(alice)
    client.raise_request_exception = False
    answer = client.call("GET", "rooms/")
    assert answer.status_code == 500
    assert answer.json() == {"detail": "Internal Server Error"}
    assert "the database caught fire" in caplog.text


def test_a_path_without_its_trailing_slash_is_served(debug, api_as, alice):
    client = api_as(alice)
    listed = client.call("GET", "/api/v1/achievements")
    assert listed.status_code == 200
    assert listed.json() == client.call("GET", "/api/v1/achievements/").json()
    created = client.call("POST", "/api/v1/rooms", {"name": "No slash"})
    assert created.status_code == 201  # the body arrived: not redirected
    assert created.json()["name"] == "No slash"


def test_a_path_with_a_trailing_slash_it_lacks_is_served(debug, api_as, alice, room):
    answer = api_as(alice).call("GET", f"/api/v1/timer/{room.pk}/")
    assert answer.status_code == 200
    assert answer.json()["status"] == "idle"


def test_every_route_is_served_under_both_spellings():
    patterns = [p for p in api.urls[0] if str(p.pattern)]
    for pattern in patterns:
        path = "/api/v1/" + re.sub(r"<[^>]+>", "1", str(pattern.pattern))
        other = path[:-1] if path.endswith("/") else f"{path}/"
        assert resolve(other).func is resolve(path).func, path
    assert len(url_patterns()[0]) == len(api.urls[0]) + len(patterns)


def test_a_bad_host_is_json(debug):
    answer = ApiClient(HTTP_HOST="evil.example").call("GET", "rooms/")
    assert answer.status_code == 400
    assert answer.json() == {"detail": "Bad Request"}
