"""The one failed-login limit (accounts/lockout.py), tried through every way in.

Each entrance gets 40 wrong passwords for a moderator's account, then the right one,
which must be refused: Django's admin form used to let a logged-in member guess without
limit (issue #22).
"""

from __future__ import annotations

import json

import pytest
import time_machine
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client, RequestFactory

from accounts.lockout import locked_seconds

pytestmark = pytest.mark.django_db

GUESSES = 40
ATTACKER = "203.0.113.7"
ELSEWHERE = "198.51.100.9"


def _wrong(n: int) -> str:
    return f"not-the-password-{n}"


def _site_login(client: Client, login: str, password: str, address: str = ATTACKER):
    return client.post(
        "/accounts/login/", {"login": login, "password": password}, REMOTE_ADDR=address
    )


def _api_login(client: Client, login: str, password: str, address: str = ATTACKER):
    return client.post(
        "/api/v1/auth/login",
        json.dumps({"username": login, "password": password}),
        content_type="application/json",
        REMOTE_ADDR=address,
    )


def _admin_login(client: Client, login: str, password: str, address: str = ATTACKER):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": login, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
    )


def _is_moderator(client: Client, moderator) -> bool:
    return client.session.get("_auth_user_id") == str(moderator.pk)


def test_the_site_login_refuses_the_right_password_after_40_wrong_ones(moderator, password):
    client = Client()
    for n in range(GUESSES):
        assert not _is_moderator_after(_site_login(client, moderator.username, _wrong(n)))

    response = _site_login(client, moderator.username, password)

    assert not _is_moderator(client, moderator)
    # allauth's per-address request limit (429) or, under it, the lockout's message.
    assert response.status_code == 429 or "Too many failed login attempts" in (
        response.content.decode()
    )
    assert locked_seconds(None, {"username": moderator.username}) is not None


def _is_moderator_after(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/"


def test_the_site_login_says_locked_after_five_wrong_ones_even_by_email(moderator, password):
    client = Client()
    for n in range(5):
        response = _site_login(client, moderator.username, _wrong(n))
        assert response.status_code == 200
        assert "Too many failed login attempts" not in response.content.decode()

    # The same account by its email address shares the count.
    response = _site_login(client, moderator.email.upper(), password)

    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    assert not _is_moderator(client, moderator)


def test_the_api_login_refuses_the_right_password_after_40_wrong_ones(moderator, password):
    client = Client()
    statuses = [_api_login(client, moderator.username, _wrong(n)).status_code for n in range(40)]
    assert statuses[:5] == [401] * 5
    assert set(statuses[5:]) == {429}

    response = _api_login(client, moderator.username, password)

    assert response.status_code == 429
    assert response.json() == {"detail": "Too many attempts. Please try again later."}
    assert 0 < int(response["Retry-After"]) <= 300
    assert "access_token" not in response.content.decode()


def test_the_admin_login_never_authenticates_an_anonymous_visitor(moderator, password):
    client = Client()
    for n in range(GUESSES):
        response = _admin_login(client, moderator.username, _wrong(n))
        assert response.status_code == 302
        assert response["Location"] == "/accounts/login/?next=%2Fadmin%2F"

    response = _admin_login(client, moderator.username, password)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2F"
    assert "_auth_user_id" not in client.session


def test_the_admin_login_never_authenticates_a_logged_in_member(alice, moderator, password):
    client = Client()
    client.force_login(alice)
    for n in range(GUESSES):
        response = _admin_login(client, moderator.username, _wrong(n))
        assert response.status_code == 403
        assert 'type="password"' not in response.content.decode()

    response = _admin_login(client, moderator.username, password)

    assert response.status_code == 403
    assert client.session["_auth_user_id"] == str(alice.pk)
    assert client.get("/admin/").status_code == 302  # still not in


def test_any_call_to_authenticate_is_limited(moderator, password):
    """Anything added later that calls Django's authenticate() meets the same limit."""
    request = RequestFactory().post("/", REMOTE_ADDR=ATTACKER)
    for n in range(GUESSES):
        assert authenticate(request, username=moderator.username, password=_wrong(n)) is None

    assert authenticate(request, username=moderator.username, password=password) is None
    assert authenticate(None, username=moderator.username, password=password) is None
    assert request.login_locked_seconds > 0


@pytest.mark.parametrize("entrance", [_site_login, _api_login, _admin_login])
def test_a_lockout_from_any_entrance_holds_at_the_others(entrance, moderator, password):
    attacker = Client()
    for n in range(GUESSES):
        entrance(attacker, moderator.username, _wrong(n))
    if entrance is _admin_login:
        # The admin's page never authenticates, so it has nothing to count or lock.
        assert locked_seconds(None, {"username": moderator.username}) is None
        return

    # Even from another address, the account is locked on every entrance.
    other = Client()
    assert _api_login(other, moderator.username, password, ELSEWHERE).status_code == 429
    response = _site_login(other, moderator.username, password, ELSEWHERE)
    assert "Too many failed login attempts" in response.content.decode()
    assert not _is_moderator(other, moderator)


def test_a_locked_account_does_not_lock_other_accounts_elsewhere(alice, bob, password):
    attacker = Client()
    for n in range(GUESSES):
        _api_login(attacker, alice.username, _wrong(n))

    bob_client = Client()
    response = _site_login(bob_client, bob.username, password, ELSEWHERE)

    assert response.status_code == 302
    assert bob_client.session["_auth_user_id"] == str(bob.pk)
    assert _api_login(Client(), bob.username, password, ELSEWHERE).status_code == 200
    assert _api_login(Client(), alice.username, password, ELSEWHERE).status_code == 429


def test_guessing_across_accounts_locks_the_address_only(bob, password):
    for n in range(10):
        assert _api_login(Client(), f"someone{n}", _wrong(n)).status_code == 401

    assert _api_login(Client(), bob.username, password, ATTACKER).status_code == 429
    assert _api_login(Client(), bob.username, password, ELSEWHERE).status_code == 200


def test_a_lock_answers_the_same_to_right_and_wrong_passwords(alice, password):
    client = Client()
    for n in range(5):
        _api_login(client, alice.username, _wrong(n))

    right = _api_login(Client(), alice.username, password, ELSEWHERE)
    wrong = _api_login(Client(), alice.username, "still wrong", ELSEWHERE)

    assert (right.status_code, right.json()) == (wrong.status_code, wrong.json())


def test_an_unknown_login_locks_like_an_account(alice):
    """Locks don't tell an attacker which accounts exist."""
    client = Client()
    statuses = [_api_login(client, "nobody-here", _wrong(n), ELSEWHERE) for n in range(6)]
    assert [r.status_code for r in statuses] == [401] * 5 + [429]


def test_the_lock_ends_after_its_window_and_refused_attempts_do_not_extend_it(alice, password):
    with time_machine.travel("2026-03-02 10:00:00Z", tick=False) as clock:
        for n in range(5):
            _api_login(Client(), alice.username, _wrong(n))
        clock.shift(200)
        assert _api_login(Client(), alice.username, _wrong(9)).status_code == 429
        clock.shift(101)

        assert _api_login(Client(), alice.username, password).status_code == 200


def test_the_lockout_must_be_the_first_backend(settings):
    settings.AUTHENTICATION_BACKENDS = [
        "django.contrib.auth.backends.ModelBackend",
        "accounts.lockout.LoginLockoutBackend",
    ]
    with pytest.raises(SystemCheckError, match=r"accounts\.E001"):
        call_command("check")


def test_the_admin_page_sends_anyone_logged_out_to_the_site_login(client):
    response = client.get("/admin/login/?next=/admin/accounts/user/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2Faccounts%2Fuser%2F"


def test_the_admin_page_tells_a_member_they_have_no_access(client, alice):
    client.force_login(alice)

    response = client.get("/admin/", follow=True)

    assert response.status_code == 403
    page = response.content.decode()
    assert "No access to the admin" in page and "alice" in page
    assert 'type="password"' not in page
    assert 'value="/accounts/login/?next=%2Fadmin%2F"' in page  # log out, then log in


def test_the_admin_page_sends_a_moderator_on(client, moderator):
    client.force_login(moderator)

    response = client.get("/admin/login/?next=/admin/accounts/user/")

    assert response.status_code == 302 and response["Location"] == "/admin/accounts/user/"


def test_a_password_reset_lifts_the_accounts_lock(alice):
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str

    for n in range(5):
        _api_login(Client(), alice.username, _wrong(n))
    client = Client()
    key = f"{user_pk_to_url_str(alice)}-{default_token_generator.make_token(alice)}"
    form_url = client.get(f"/accounts/password/reset/key/{key}/")["Location"]

    response = client.post(
        form_url, {"password1": "a brand new passphrase 7", "password2": "a brand new passphrase 7"}
    )

    assert response.status_code == 302
    assert _api_login(Client(), alice.username, "a brand new passphrase 7").status_code == 200
