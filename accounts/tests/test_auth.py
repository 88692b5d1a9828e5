from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    settings.ACCOUNT_RATE_LIMITS_ENABLED = False


def _signup(client, **overrides):
    data = {
        "username": "dora",
        "email": "dora@example.com",
        "password1": "a long unusual passphrase 42",
        "password2": "a long unusual passphrase 42",
    }
    data.update(overrides)
    return client.post(reverse("account_signup"), data)


def test_signup_creates_a_user_and_logs_them_in(client):
    response = _signup(client)

    assert response.status_code == 302
    user = User.objects.get(username="dora")
    assert user.email == "dora@example.com"
    assert user.password.startswith("md5$") or user.check_password("a long unusual passphrase 42")
    assert client.get(reverse("home")).context["user"] == user


def test_signup_refuses_an_email_that_exists_in_another_case(client, alice):
    response = _signup(client, email=alice.email.upper())

    assert response.status_code == 200
    assert (
        "already registered" in response.content.decode()
        or response.context["form"].errors["email"]
    )
    assert not User.objects.filter(username="dora").exists()


def test_signup_refuses_a_username_that_exists_in_another_case(client, alice):
    response = _signup(client, username="ALICE")

    assert response.status_code == 200
    assert response.context["form"].errors["username"]
    assert User.objects.filter(username__iexact="alice").count() == 1


def test_database_refuses_duplicate_email_in_another_case(alice):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="other", email=alice.email.upper())


def test_signup_refuses_mismatched_passwords(client):
    response = _signup(client, password2="something else entirely")

    assert response.status_code == 200
    assert not User.objects.filter(username="dora").exists()


@pytest.mark.parametrize("login", ["alice", "ALICE", "alice@example.com", "Alice@Example.com"])
def test_login_with_username_or_email(client, alice, password, login):
    response = client.post(reverse("account_login"), {"login": login, "password": password})

    assert response.status_code == 302
    assert client.get(reverse("home")).context["user"] == alice


def test_login_with_a_wrong_password_fails_with_a_message(client, alice):
    response = client.post(reverse("account_login"), {"login": "alice", "password": "nope"})

    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    assert not response.context["user"].is_authenticated


def test_a_deactivated_user_cannot_log_in(client, alice, password):
    alice.is_active = False
    alice.save()

    response = client.post(reverse("account_login"), {"login": "alice", "password": password})

    assert not client.get(reverse("home")).context["user"].is_authenticated
    assert response.status_code in (200, 302)


def test_logout(client, alice):
    client.force_login(alice)

    response = client.post(reverse("account_logout"))

    assert response.status_code == 302
    assert not client.get(reverse("home")).context["user"].is_authenticated


def test_login_is_rate_limited(client, alice, password, settings):
    settings.ACCOUNT_RATE_LIMITS_ENABLED = True
    for _ in range(5):
        client.post(reverse("account_login"), {"login": "alice", "password": "wrong"})

    response = client.post(reverse("account_login"), {"login": "alice", "password": password})

    assert "Too many failed login attempts" in response.content.decode()
    assert not response.context["user"].is_authenticated
