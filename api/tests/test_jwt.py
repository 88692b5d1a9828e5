"""Access tokens are HS256 JWTs a client can read (`sub`, `exp`), checked by signature,
expiry and their row: revoked at once by logout, a password change, a ban or a deleted
row; refreshed by swapping; and opaque tokens from before keep working until they expire."""

from __future__ import annotations

import base64
import json
import secrets
from datetime import timedelta

import jwt
import pytest
from allauth.account.signals import password_changed
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import PASSWORD
from api.models import ApiToken, token_digest
from api.services import token_issue
from api.tests.conftest import ApiClient
from moderation.services import user_ban

pytestmark = pytest.mark.django_db


def _status(token: str) -> int:
    return ApiClient(token).call("GET", "rooms/").status_code


def _refused(token: str) -> dict:
    answer = ApiClient(token).call("GET", "rooms/")
    assert answer.status_code == 401
    body = answer.json()
    assert isinstance(body["detail"], str)
    return body


def _login() -> dict:
    answer = ApiClient().call("POST", "auth/login", {"username": "alice", "password": PASSWORD})
    assert answer.status_code == 200
    return answer.json()


def test_the_login_token_decodes_with_the_library(alice, settings):
    answer = _login()
    token = answer["access_token"]
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    claims = jwt.decode(token, settings.JWT_SECRET_KEY, algorithms=["HS256"])
    assert claims["sub"] == str(alice.pk)
    assert claims["exp"] - claims["iat"] == settings.API_TOKEN_SECONDS
    assert abs(claims["iat"] - timezone.now().timestamp()) < 5
    assert claims["jti"]
    # `expires_at` (kept for our clients) is the same instant as `exp`
    expires_at = timezone.datetime.fromisoformat(answer["expires_at"])
    assert expires_at.timestamp() == claims["exp"]
    assert _status(token) == 200


def test_a_client_can_read_its_expiry_without_the_key(alice):
    """The original's frontend checks `exp` from the payload before every page."""
    payload = _login()["access_token"].split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["exp"] > timezone.now().timestamp()
    assert claims["sub"] == str(alice.pk)


def test_the_signing_key_is_not_the_secret_key_itself(settings):
    assert settings.JWT_SECRET_KEY != settings.SECRET_KEY


def test_an_expired_token_is_a_401(alice, time_machine, settings):
    time_machine.move_to(timezone.now(), tick=False)
    _, token = token_issue(user=alice)
    time_machine.shift(timedelta(seconds=settings.API_TOKEN_SECONDS - 1))
    assert _status(token) == 200
    time_machine.shift(timedelta(seconds=2))
    _refused(token)


def test_a_token_whose_row_expired_first_is_a_401(alice):
    token_row, token = token_issue(user=alice)
    ApiToken.objects.filter(pk=token_row.pk).update(expires_at=timezone.now())
    _refused(token)


def _reencode(token: str, key: str, algorithm: str = "HS256", **changes) -> str:
    claims = jwt.decode(token, options={"verify_signature": False})
    return jwt.encode({**claims, **changes}, key, algorithm=algorithm)


def test_a_token_issued_by_a_clock_slightly_ahead_is_good(alice, time_machine):
    """Servers on several machines: one's token must not fail on another whose clock is
    a little behind (PyJWT would refuse an `iat` in its future)."""
    _, token = token_issue(user=alice)
    time_machine.move_to(timezone.now() - timedelta(seconds=30), tick=False)
    assert _status(token) == 200


def test_a_tampered_token_is_a_401(alice, bob):
    _, token = token_issue(user=alice)
    header, payload, signature = token.split(".")
    # another person's id in the payload, the signature left as it was
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = str(bob.pk)
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    _refused(f"{header}.{forged}.{signature}")
    # a flipped character of the signature
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    _refused(f"{header}.{payload}.{flipped}")


def test_a_token_signed_with_another_key_or_none_is_a_401(alice, settings):
    _, token = token_issue(user=alice)
    _refused(_reencode(token, "some other key of thirty-two bytes!"))
    _refused(_reencode(token, settings.SECRET_KEY))
    _refused(_reencode(token, "", algorithm="none"))
    unsigned = jwt.encode(jwt.decode(token, options={"verify_signature": False}), None, "none")
    _refused(unsigned)


def test_a_well_signed_token_without_a_row_or_claims_is_a_401(alice, settings):
    _, token = token_issue(user=alice)
    key = settings.JWT_SECRET_KEY
    _refused(_reencode(token, key, jti="0" * 32))  # no such row
    claims = jwt.decode(token, key, algorithms=["HS256"])
    for missing in ("sub", "exp", "iat", "jti"):
        _refused(jwt.encode({k: v for k, v in claims.items() if k != missing}, key))


def test_logout_revokes_the_jwt_at_once(alice):
    token = _login()["access_token"]
    assert ApiClient(token).call("POST", "auth/logout").status_code == 200
    _refused(token)


def test_a_password_change_revokes_the_jwt_at_once(alice):
    _, token = token_issue(user=alice)
    password_changed.send(sender=type(alice), request=RequestFactory().get("/"), user=alice)
    _refused(token)


def test_a_ban_revokes_the_jwt_at_once(alice, moderator, deliver_at_once):
    _, token = token_issue(user=alice)
    user_ban(by=moderator, user=alice)
    _refused(token)


def test_deleting_the_token_in_the_admin_ends_it_at_once(alice, moderator):
    row, token = token_issue(user=alice)
    _, other = token_issue(user=alice)
    admin = Client()
    admin.force_login(moderator)
    page = admin.get(reverse("admin:api_apitoken_changelist"))
    assert page.status_code == 200
    deleted = admin.post(reverse("admin:api_apitoken_delete", args=[row.pk]), {"post": "yes"})
    assert deleted.status_code == 302
    _refused(token)
    assert _status(other) == 200


def test_revoking_in_the_admin_ends_it_at_once(alice, moderator):
    row, token = token_issue(user=alice)
    admin = Client()
    admin.force_login(moderator)
    admin.post(
        reverse("admin:api_apitoken_changelist"),
        {"action": "revoke_tokens", "_selected_action": [row.pk]},
    )
    _refused(token)


def test_refresh_rotates(alice, settings):
    old = _login()["access_token"]
    answer = ApiClient(old).call("POST", "auth/refresh")
    assert answer.status_code == 200
    body = answer.json()
    new = body["access_token"]
    assert new != old
    assert body["token_type"] == "bearer"
    assert body["user"]["id"] == str(alice.pk)
    assert body["expires_at"]
    claims = jwt.decode(new, settings.JWT_SECRET_KEY, algorithms=["HS256"])
    assert claims["sub"] == str(alice.pk)
    assert _status(new) == 200
    _refused(old)
    assert ApiClient(old).call("POST", "auth/refresh").status_code == 401


def test_refresh_needs_a_valid_token(alice, time_machine, settings):
    assert ApiClient().call("POST", "auth/refresh").status_code == 401
    assert ApiClient("not.a.jwt").call("POST", "auth/refresh").status_code == 401
    time_machine.move_to(timezone.now(), tick=False)
    _, token = token_issue(user=alice)
    time_machine.shift(timedelta(seconds=settings.API_TOKEN_SECONDS + 1))
    assert ApiClient(token).call("POST", "auth/refresh").status_code == 401


def test_refresh_is_not_for_the_sites_session(alice):
    browser = Client()
    browser.force_login(alice)
    assert browser.post("/api/v1/auth/refresh").status_code == 401


def _opaque_token_from_before(user, *, lifetime: timedelta) -> str:
    """A token as the API issued them before JWTs: a random secret kept as its digest."""
    secret = secrets.token_urlsafe(32)
    now = timezone.now()
    ApiToken.objects.create(
        user=user, digest=token_digest(secret), created_at=now, expires_at=now + lifetime
    )
    return secret


def test_an_opaque_token_from_before_works_until_it_expires(alice, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    secret = _opaque_token_from_before(alice, lifetime=timedelta(days=3))
    assert _status(secret) == 200
    time_machine.shift(timedelta(days=3, seconds=-1))
    assert _status(secret) == 200
    time_machine.shift(timedelta(seconds=2))
    _refused(secret)


def test_an_opaque_token_from_before_is_revoked_like_a_jwt(alice):
    secret = _opaque_token_from_before(alice, lifetime=timedelta(days=3))
    assert ApiClient(secret).call("POST", "auth/logout").status_code == 200
    _refused(secret)


def test_an_opaque_token_refreshes_into_a_jwt(alice, settings):
    secret = _opaque_token_from_before(alice, lifetime=timedelta(days=3))
    new = ApiClient(secret).call("POST", "auth/refresh").json()["access_token"]
    assert jwt.decode(new, settings.JWT_SECRET_KEY, algorithms=["HS256"])["sub"] == str(alice.pk)
    _refused(secret)


def test_a_jti_presented_as_an_opaque_token_is_refused(alice):
    """The row's jti is readable in the JWT: it must not pass for a secret."""
    row, _ = token_issue(user=alice)
    _refused(row.jti)
