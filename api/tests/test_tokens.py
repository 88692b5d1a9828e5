"""Tokens: stored as their id only, expiring, revoked by logout, a password change, a ban and a
logout from the site; a token request needs no CSRF, a session request does."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest
from allauth.account.signals import password_changed
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import PASSWORD
from api.models import ApiToken
from api.queries import token_for_credential
from api.services import token_issue, token_revoke, tokens_revoke_all
from api.tests.conftest import ApiClient
from moderation.services import user_ban

pytestmark = pytest.mark.django_db


def _me(client) -> int:
    return client.call("GET", "rooms/").status_code


def test_it_stores_only_the_tokens_id_never_the_token(alice):
    token, secret = token_issue(user=alice)
    stored = ApiToken.objects.values().get(pk=token.pk)
    assert stored["jti"] == jwt.decode(secret, options={"verify_signature": False})["jti"]
    assert stored["digest"] is None
    assert not any(secret in str(value) for value in stored.values())


def test_a_login_token_works_and_a_made_up_one_does_not(alice, room):
    answer = ApiClient().call("POST", "auth/login", {"username": "alice", "password": PASSWORD})
    assert answer.status_code == 200
    assert answer.json()["user"]["id"] == str(alice.pk)
    assert _me(ApiClient(answer.json()["access_token"])) == 200
    assert _me(ApiClient("not-a-token")) == 401


def test_login_accepts_the_email_address(alice):
    answer = ApiClient().call(
        "POST", "auth/login", {"username": alice.email.upper(), "password": PASSWORD}
    )
    assert answer.status_code == 200


def test_a_wrong_password_is_401_json(alice):
    answer = ApiClient().call("POST", "auth/login", {"username": "alice", "password": "nope"})
    assert answer.status_code == 401
    assert answer.json() == {"detail": "Wrong username or password."}


def test_an_expired_token_is_refused(alice, time_machine, settings):
    time_machine.move_to(timezone.now(), tick=False)
    _, secret = token_issue(user=alice)
    assert token_for_credential(secret) is not None
    time_machine.shift(timedelta(seconds=settings.API_TOKEN_SECONDS + 1))
    assert token_for_credential(secret) is None
    assert _me(ApiClient(secret)) == 401


def test_logout_revokes_only_that_token(api_as, alice):
    _, first = token_issue(user=alice)
    _, second = token_issue(user=alice)
    assert ApiClient(first).call("POST", "auth/logout").status_code == 200
    assert _me(ApiClient(first)) == 401
    assert _me(ApiClient(second)) == 200


def test_a_ban_revokes_every_token(alice, moderator, deliver_at_once):
    token, secret = token_issue(user=alice)
    user_ban(by=moderator, user=alice)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    assert _me(ApiClient(secret)) == 401


def test_a_banned_users_token_is_refused_even_before_revocation(alice):
    _, secret = token_issue(user=alice)
    type(alice).objects.filter(pk=alice.pk).update(is_active=False)
    assert _me(ApiClient(secret)) == 401


def test_a_password_change_revokes_every_token(alice):
    _, secret = token_issue(user=alice)
    password_changed.send(sender=type(alice), request=RequestFactory().get("/"), user=alice)
    assert _me(ApiClient(secret)) == 401


def test_a_password_change_on_the_site_revokes_tokens(alice):
    _, secret = token_issue(user=alice)
    browser = Client()
    browser.force_login(alice)
    response = browser.post(
        reverse("account_change_password"),
        {
            "oldpassword": PASSWORD,
            "password1": "another long passphrase",
            "password2": "another long passphrase",
        },
    )
    assert response.status_code == 302
    assert _me(ApiClient(secret)) == 401


def test_logging_out_of_the_site_revokes_tokens(alice, deliver_at_once):
    _, secret = token_issue(user=alice)
    browser = Client()
    browser.force_login(alice)
    browser.post(reverse("account_logout"))
    assert _me(ApiClient(secret)) == 401


def test_revoking_closes_nothing_else(alice, bob):
    _, alice_secret = token_issue(user=alice)
    bob_token, bob_secret = token_issue(user=bob)
    assert tokens_revoke_all(user_id=alice.pk) == 1
    assert _me(ApiClient(alice_secret)) == 401
    assert _me(ApiClient(bob_secret)) == 200
    token_revoke(token=bob_token)
    assert _me(ApiClient(bob_secret)) == 401


def test_token_requests_need_no_csrf(alice):
    _, secret = token_issue(user=alice)
    client = ApiClient(secret, enforce_csrf_checks=True)
    assert client.call("POST", "rooms/", {"name": "No CSRF needed"}).status_code == 201


def test_session_requests_need_csrf(alice):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    assert browser.get("/api/v1/rooms/").status_code == 200
    refused = browser.post("/api/v1/rooms/", {"name": "x"}, content_type="application/json")
    assert refused.status_code == 403
    assert "detail" in refused.json()
    browser.get(reverse("rooms:list"))  # the page sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    accepted = browser.post(
        "/api/v1/rooms/",
        {"name": "With CSRF"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert accepted.status_code == 201, accepted.content


def test_registering_sends_the_verification_email(mailoutbox):
    answer = ApiClient().call(
        "POST",
        "auth/register",
        {"username": "fern", "email": "fern@example.com", "password": "a long enough passphrase"},
    )
    assert answer.status_code == 201
    assert [message.to for message in mailoutbox] == [["fern@example.com"]]


def test_with_mandatory_verification_no_token_before_the_email_is_confirmed(alice, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    answer = ApiClient().call("POST", "auth/login", {"username": "alice", "password": PASSWORD})
    assert answer.status_code == 403
    assert "Confirm your email" in answer.json()["detail"]
    registered = ApiClient().call(
        "POST",
        "auth/register",
        {"username": "gus", "email": "gus@example.com", "password": "a long enough passphrase"},
    )
    assert registered.status_code == 403
    assert not ApiToken.objects.filter(user__username="gus").exists()
