"""CORS on /api/v1 only: a single-page app on a configured origin may call the API with
its bearer token; nothing else of the site answers CORS, and no credentials ride along."""

from __future__ import annotations

import pytest
from django.test import Client

from api.tests.conftest import ApiClient

pytestmark = pytest.mark.django_db

APP = "http://localhost:5173"


@pytest.fixture(autouse=True)
def _app_origin(settings):
    settings.CORS_ALLOWED_ORIGINS = [APP]


def _preflight(path: str, origin: str, method: str = "POST"):
    return Client().options(
        path,
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD=method,
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type",
    )


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/api/v1/auth/register", "POST"),
        ("/api/v1/rooms/7", "PUT"),
        ("/api/v1/community/posts/3", "DELETE"),
        ("/api/v1/achievements", "GET"),
    ],
)
def test_a_preflight_from_an_allowed_origin_gets_the_headers(path, method):
    answer = _preflight(path, APP, method)
    assert answer.status_code == 200
    assert answer["Access-Control-Allow-Origin"] == APP
    assert method in answer["Access-Control-Allow-Methods"]
    allowed_headers = answer["Access-Control-Allow-Headers"].lower()
    assert "authorization" in allowed_headers
    assert "content-type" in allowed_headers
    assert "Access-Control-Allow-Credentials" not in answer


def test_a_preflight_from_another_origin_gets_none():
    answer = _preflight("/api/v1/auth/register", "https://evil.example")
    assert not any(header.lower().startswith("access-control-") for header in answer.headers)


def test_the_actual_answer_carries_the_origin_and_no_credentials(api_as, alice):
    answer = api_as(alice).call("GET", "rooms/", HTTP_ORIGIN=APP)
    assert answer.status_code == 200
    assert answer["Access-Control-Allow-Origin"] == APP
    assert "Access-Control-Allow-Credentials" not in answer
    assert answer["Access-Control-Expose-Headers"] == "Retry-After"


def test_an_error_answer_carries_them_too_so_the_client_can_read_its_detail():
    answer = ApiClient().call("GET", "rooms/", HTTP_ORIGIN=APP)
    assert answer.status_code == 401
    assert answer["Access-Control-Allow-Origin"] == APP


@pytest.mark.parametrize("path", ["/", "/rooms/", "/accounts/login/", "/admin/", "/health"])
def test_a_page_never_carries_them(path, alice):
    client = Client()
    client.force_login(alice)
    answer = client.get(path, HTTP_ORIGIN=APP)
    preflight = _preflight(path, APP)
    for response in (answer, preflight):
        assert not any(h.lower().startswith("access-control-") for h in response.headers)
