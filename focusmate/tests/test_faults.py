"""Redis or PostgreSQL away: every answer is a working action or a clear 503, never a 500.

Redis is "away" here as a cache pointed at a port where nothing listens (the refusal is
immediate, as when Redis is stopped); PostgreSQL as a database call that raises the
error the driver raises when it can't connect.
"""

from __future__ import annotations

import logging

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import OperationalError
from django.test import Client

from api.services import token_issue
from api.tests.conftest import ApiClient
from community.models import Category, Post
from messaging.models import Message
from timers.models import Timer

pytestmark = pytest.mark.django_db

DEAD_REDIS = "redis://127.0.0.1:1/0"  # port 1: nothing listens there


@pytest.fixture
def redis_away(settings):
    """The rate limits' cache is a Redis that refuses every connection."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": DEAD_REDIS,
        }
    }


def _htmx(user) -> Client:
    client = Client(HTTP_HX_REQUEST="true", raise_request_exception=False)
    client.force_login(user)
    return client


def _api(user) -> ApiClient:
    _, secret = token_issue(user=user)
    return ApiClient(secret, raise_request_exception=False)


# --- Redis away: the rate limits can't be counted ------------------------------------------


def test_a_timer_command_works_while_its_rate_limit_cant_be_counted(
    redis_away, room, alice, caplog
):
    with caplog.at_level(logging.WARNING, logger="focusmate.lib.ratelimit"):
        response = _htmx(alice).post(f"/rooms/{room.pk}/timer/", {"action": "start"})

    assert response.status_code == 200
    assert Timer.objects.get(room=room).status == "running"
    assert "rate limit timer not counted" in caplog.text


def test_a_timer_command_through_the_api_works_too(redis_away, room, alice):
    response = _api(alice).call("POST", f"timer/{room.pk}/start")

    assert response.status_code == 200
    assert response.json()["status"] == "running"


def test_a_direct_message_is_sent_while_its_rate_limit_cant_be_counted(redis_away, alice, bob):
    response = _htmx(alice).post(f"/messages/{bob.username}/", {"body": "Still there?"})

    assert response.status_code == 200
    assert "Still there?" in response.content.decode()  # the sender's page shows it
    assert Message.objects.filter(sender=alice, body="Still there?").count() == 1


def test_a_direct_message_through_the_api_is_sent_too(redis_away, alice, bob):
    response = _api(alice).call("POST", "messages/send", {"recipient_id": bob.pk, "body": "Hi"})

    assert response.status_code == 201
    assert Message.objects.filter(sender=alice, body="Hi").count() == 1


def test_a_forum_post_is_refused_with_a_503_and_nothing_is_stored(redis_away, alice):
    general = Category.objects.get_or_create(slug="general", defaults={"name": "General"})[0]

    response = _htmx(alice).post(
        "/community/new/", {"category": general.pk, "title": "Hello", "body": "First post"}
    )

    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert "try again" in response.content.decode()
    assert response["Content-Type"].startswith("text/plain")  # the page shows it as a toast
    assert not Post.objects.filter(title="Hello").exists()


def test_a_forum_post_through_the_api_is_a_json_503(redis_away, alice):
    general = Category.objects.get_or_create(slug="general", defaults={"name": "General"})[0]

    response = _api(alice).call(
        "POST", "community/posts", {"category": general.slug, "title": "Hi", "body": "Body"}
    )

    assert response.status_code == 503, response.content
    assert response["Retry-After"] == "10"
    assert "try again" in response.json()["detail"]


def test_health_says_rate_limits_are_not_counted_while_the_cache_is_away(redis_away, client):
    response = client.get("/health")

    assert response.status_code == 200  # the site works; it is degraded
    assert response.json() == {
        "status": "degraded",
        "database": "ok",
        "channel_layer": "ok",
        "rate_limits": "not counted",
    }


# --- PostgreSQL away: the API answers JSON ------------------------------------------------


def test_the_api_answers_a_json_503_when_the_database_is_away(alice, monkeypatch):
    api = _api(alice)

    def unreachable(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr("api.auth.token_for_credential", unreachable)

    response = api.call("GET", "rooms/")

    assert response.status_code == 503
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Retry-After"] == "10"
    assert "try again" in response.json()["detail"]


def test_the_api_answers_json_when_the_session_read_fails_before_it(alice, monkeypatch):
    """A cookie-authenticated API call fails in the session middleware, before the API."""
    client = Client(raise_request_exception=False)
    client.force_login(alice)

    def unreachable(self):
        raise OperationalError("connection refused")

    monkeypatch.setattr(SessionStore, "load", unreachable)

    response = client.get("/api/v1/rooms/")

    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert "try again" in response.json()["detail"]


def test_an_htmx_request_gets_a_short_text_not_the_page(alice, monkeypatch):
    client = _htmx(alice)

    def unreachable(self):
        raise OperationalError("connection refused")

    monkeypatch.setattr(SessionStore, "load", unreachable)

    response = client.get("/rooms/")

    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/plain")
    assert "Back in a moment" in response.content.decode()


def test_a_direct_message_whose_push_fails_is_shown_to_its_sender_with_a_note(
    alice, bob, deliver_at_once, monkeypatch
):
    from channels.layers import get_channel_layer
    from redis.exceptions import ConnectionError as RedisConnectionError

    async def refused(*args):
        raise RedisConnectionError("Connection refused")

    monkeypatch.setattr(get_channel_layer(), "group_send", refused)
    monkeypatch.setattr(get_channel_layer(), "group_send_many", refused, raising=False)

    response = _htmx(alice).post(f"/messages/{bob.username}/", {"body": "Are you there?"})

    body = response.content.decode()
    assert response.status_code == 200
    assert "Are you there?" in body  # the sender's page shows it from the answer
    assert "live delivery is down" in body  # and says the push did not go out
    assert Message.objects.filter(body="Are you there?").count() == 1


def test_a_login_while_its_limits_cant_be_counted_is_a_503_not_a_guess(
    redis_away, alice, password, settings
):
    settings.ACCOUNT_RATE_LIMITS_ENABLED = True
    client = Client(raise_request_exception=False)

    response = client.post("/accounts/login/", {"login": alice.username, "password": password})

    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert "_auth_user_id" not in client.session
