"""ICE servers from the environment, and the TURN REST API's short-lived credentials."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import subprocess
import sys

import environ
import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured

from video.ice import ice_servers_for, needs_turn_secret, parse_ice_servers, turn_credentials


def test_turn_credentials_follow_the_rest_api_scheme():
    username, credential = turn_credentials(secret="s3cret", user_id=42, expires_at=1_900_000_000)

    assert username == "1900000000:42"
    expected = hmac.new(b"s3cret", b"1900000000:42", hashlib.sha1).digest()
    assert base64.b64decode(credential) == expected


def test_each_page_gets_credentials_that_expire():
    servers = [{"urls": ["stun:t.example.com:3478"]}, {"urls": ["turns:t.example.com:5349"]}]

    stun, turn = ice_servers_for(
        user_id=7, servers=servers, secret="k", lifetime=600, now=1_000_000
    )

    assert stun == {"urls": ["stun:t.example.com:3478"]}
    expiry, user_id = turn["username"].split(":")
    assert (int(expiry), user_id) == (1_000_600, "7")
    signed = hmac.new(b"k", turn["username"].encode(), hashlib.sha1).digest()
    assert turn["credential"] == base64.b64encode(signed).decode()
    later = ice_servers_for(user_id=7, servers=servers, secret="k", lifetime=600, now=1_000_001)
    assert later[1]["credential"] != turn["credential"]


def test_without_a_secret_no_turn_server_is_handed_out():
    servers = [{"urls": ["turn:t.example.com"]}]
    assert ice_servers_for(user_id=1, servers=servers, secret="", lifetime=60) == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("[]", []),
        ('[{"urls": "stun:stun.example.com:3478"}]', [{"urls": ["stun:stun.example.com:3478"]}]),
        (
            '[{"urls": ["turn:a.example.com?transport=udp", "turns:a.example.com:5349"]}]',
            [{"urls": ["turn:a.example.com?transport=udp", "turns:a.example.com:5349"]}],
        ),
    ],
)
def test_the_setting_is_a_json_list_from_the_environment(monkeypatch, raw, expected):
    monkeypatch.setenv("WEBRTC_ICE_SERVERS", raw)
    assert parse_ice_servers(environ.Env().json("WEBRTC_ICE_SERVERS", default=[])) == expected


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ({"urls": "stun:x"}, "JSON list"),
        (["stun:x"], "object"),
        ([{"url": "stun:x"}], "object"),
        ([{"urls": "http://x"}], "not a stun"),
        ([{"urls": []}], "list of strings"),
        ([{"urls": "turn:x", "username": "u", "credential": "p"}], "TURN_SECRET"),
        ([{"urls": "stun:x", "colour": "red"}], "unknown keys"),
    ],
)
def test_a_wrong_setting_fails_loudly(value, says):
    with pytest.raises(ImproperlyConfigured, match=says):
        parse_ice_servers(value)


def test_turn_servers_need_the_secret():
    assert needs_turn_secret([{"urls": ["stun:x"]}, {"urls": ["turns:y"]}])
    assert not needs_turn_secret([{"urls": ["stun:x"]}])


def _settings_in_a_fresh_process(**env: str) -> subprocess.CompletedProcess:
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'focusmate.settings');"
        "from django.conf import settings; print(settings.WEBRTC_ICE_SERVERS)"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=django_settings.BASE_DIR,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_server_refuses_to_start_with_a_turn_server_and_no_secret():
    refused = _settings_in_a_fresh_process(
        WEBRTC_ICE_SERVERS='[{"urls": "turn:t.example.com"}]', TURN_SECRET=""
    )
    started = _settings_in_a_fresh_process(
        WEBRTC_ICE_SERVERS='[{"urls": "turn:t.example.com"}]', TURN_SECRET="k"
    )

    assert refused.returncode != 0
    assert "set TURN_SECRET" in refused.stderr
    assert started.returncode == 0, started.stderr
    assert "turn:t.example.com" in started.stdout
