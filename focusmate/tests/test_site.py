from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_home_page_invites_a_visitor_to_sign_up(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(reverse("home"))

    body = response.content.decode()
    assert response.status_code == 200
    assert reverse("account_signup") in body
    assert "htmx-2.0.11.min.js" in body
    assert "https://" not in body  # nothing from a CDN


def test_pages_carry_the_csrf_token_for_htmx(client, alice):
    client.force_login(alice)

    body = client.get(reverse("home")).content.decode()

    assert 'hx-headers=\'{"X-CSRFToken": "' in body


def test_pages_send_a_content_security_policy(client):
    response = client.get(reverse("home"))

    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_health_is_ok_when_everything_is_up(client):
    response = client.get("/health")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "channel_layer": "ok",
        "rate_limits": "ok",
    }


def test_health_is_503_and_names_the_database_when_it_is_down(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise connection.Database.OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)

    response = client.get("/health")

    assert response.status_code == 503
    assert response.json() == {
        "status": "down",
        "database": "down",
        "channel_layer": "ok",
        "rate_limits": "ok",
    }


def test_health_is_503_when_the_channel_layer_is_down(client, settings):
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
        }
    }
    channel_layers.backends.clear()
    try:
        response = client.get("/health")
    finally:
        channel_layers.backends.clear()

    assert response.status_code == 503
    assert response.json()["channel_layer"] == "down"


def test_unknown_page_uses_the_site_layout(client):
    response = client.get("/no/such/page/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert "site.css" in response.content.decode()


def _run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = _run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY="a-production-secret-key-that-is-long-and-random-enough-0123456789abcdef",
        ALLOWED_HOSTS="focus.example.com",
        CSRF_TRUSTED_ORIGINS="https://focus.example.com",
        EMAIL_URL="smtp+tls://mailer:secret@mail.example.com:587",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = _run_manage("check", DEBUG="false", ALLOWED_HOSTS="focus.example.com")

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_a_database_outage_is_a_quick_503_with_the_error_page(alice, monkeypatch):
    """Even the session middleware's own query failing gives the page, never a 500."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import OperationalError
    from django.test import Client

    client = Client(raise_request_exception=False)
    client.force_login(alice)

    def unreachable(self):
        raise OperationalError("connection refused")

    monkeypatch.setattr(SessionStore, "load", unreachable)

    response = client.get("/rooms/")

    assert response.status_code == 503
    assert "Back in a moment" in response.content.decode()
    assert response["Retry-After"] == "10"


@pytest.mark.parametrize("path", ["/u/%00/", "/rooms/invite/x%00y/", "/rooms/?q=%00"])
def test_a_nul_byte_in_the_address_is_a_400(client, alice, path):
    client.force_login(alice)

    response = client.get(path)

    assert response.status_code == 400
    assert "isn't valid" in response.content.decode()


def test_the_admin_login_is_the_site_login_with_its_limits(client, moderator, password, settings):
    settings.ACCOUNT_RATE_LIMITS_ENABLED = True
    response = client.get("/admin/login/?next=/admin/accounts/user/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2Faccounts%2Fuser%2F"
    # The admin's own form is not there to post passwords to.
    guesses = [
        client.post("/admin/login/", {"username": moderator.username, "password": f"guess{n}"})
        for n in range(3)
    ]
    assert {r.status_code for r in guesses} == {302}
    assert "_auth_user_id" not in client.session
    # Guessing through the site's login runs into allauth's limit.
    codes = [
        client.post(
            "/accounts/login/", {"login": moderator.username, "password": f"guess{n}"}
        ).status_code
        for n in range(40)
    ]
    assert 429 in codes
    assert "_auth_user_id" not in client.session


def test_after_logging_in_a_moderator_reaches_the_admin(client, moderator, password):
    response = client.post(
        "/accounts/login/?next=/admin/",
        {"login": moderator.username, "password": password, "next": "/admin/"},
    )

    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "a-production-secret-key-that-is-long-and-random-enough-0123456789abcdef",
    "ALLOWED_HOSTS": "focus.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://focus.example.com",
}


def test_production_refuses_the_console_mailer_unless_told_it_is_meant():
    refused = _run_manage("check", "--deploy", **PRODUCTION)
    allowed = _run_manage("check", "--deploy", ALLOW_CONSOLE_EMAIL="true", **PRODUCTION)

    assert refused.returncode != 0
    assert "focusmate.E001" in refused.stderr and "EMAIL_URL" in refused.stderr
    assert allowed.returncode == 0, allowed.stderr


def test_serve_refuses_to_start_on_a_deployment_error():
    result = _run_manage("serve", "--port", "1", **PRODUCTION)

    assert result.returncode != 0
    assert "focusmate.E001" in result.stderr


def test_production_websocket_origins_are_whole_origins():
    result = _run_manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.WEBSOCKET_ALLOWED_ORIGINS)",
        **PRODUCTION,
    )

    assert result.stdout.strip().splitlines()[-1] == "['https://focus.example.com']"


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("origin", "accepted"),
    [
        (b"https://focus.example.com", True),
        (b"https://focus.example.com:443", True),
        (b"http://focus.example.com", False),  # another scheme
        (b"https://focus.example.com:8443", False),  # another port
        (b"https://evil.example.com", False),
        (b"https://focus.example.com.evil.net", False),
    ],
)
async def test_a_socket_s_origin_must_match_scheme_host_and_port(origin, accepted):
    from channels.security.websocket import OriginValidator
    from channels.testing import WebsocketCommunicator

    async def app(scope, receive, send):
        await receive()
        await send({"type": "websocket.accept"})

    validator = OriginValidator(app, ["https://focus.example.com"])
    communicator = WebsocketCommunicator(validator, "/ws/me/", headers=[(b"origin", origin)])

    connected, _ = await communicator.connect()
    await communicator.disconnect()

    assert connected is accepted


@pytest.mark.django_db
def test_serving_freezes_start_up_objects_out_of_garbage_collection(monkeypatch):
    import asyncio
    import gc

    from daphne.server import Server

    from focusmate.management.commands import serve

    seen = {}

    def run(server):
        seen["thresholds"], seen["frozen"] = gc.get_threshold(), gc.get_freeze_count()

    before = gc.get_threshold()
    monkeypatch.setattr(Server, "run", run)
    monkeypatch.setattr(serve, "_wind_down", _nothing_left)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)  # Daphne's, which the command turns once it has stopped
    try:
        call_command("serve", "--no-workers", "--port", "0", stdout=io.StringIO())
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
        asyncio.set_event_loop(None)
        loop.close()

    assert seen["thresholds"] == before  # Python's own: raised, the soak's memory grew
    assert seen["frozen"] > 10_000  # Django, the templates and the URLs, never scanned again


async def _nothing_left() -> None:
    return None


def test_the_api_docs_page_has_a_language_and_a_phone_viewport(client):
    body = client.get("/api/v1/docs").content.decode()

    assert '<html lang="en">' in body
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in body
    assert '<main id="swagger-ui">' in body
