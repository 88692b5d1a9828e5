"""Signups that race: the database's unique constraints decide, and the loser gets a
form error, not a 500."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from accounts.adapter import AccountAdapter
from accounts.models import User

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    settings.ACCOUNT_RATE_LIMITS_ENABLED = False


def _form(username: str, email: str) -> dict:
    return {
        "username": username,
        "email": email,
        "password1": "a long unusual passphrase 42",
        "password2": "a long unusual passphrase 42",
    }


def test_a_signup_that_loses_the_race_gets_a_form_error(monkeypatch):
    """The other signup commits between this one's check and its save."""
    real_save = AccountAdapter.save_user

    def racer_wins_first(self, request, user, form, commit=True):
        User.objects.create_user(username="DORA", email="someone@example.com", password="x")
        return real_save(self, request, user, form, commit=commit)

    monkeypatch.setattr(AccountAdapter, "save_user", racer_wins_first)

    response = Client(raise_request_exception=True).post(
        reverse("account_signup"), _form("dora", "dora@example.com")
    )

    assert response.status_code == 422
    assert "That username is taken." in response.content.decode()
    assert User.objects.filter(username__iexact="dora").count() == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="RACE TEST NEEDS POSTGRESQL: SQLite serialises writers, so the race cannot happen.",
)
@pytest.mark.parametrize(
    "variant",
    [
        lambda n: ("DORA" if n % 2 else "dora", f"d{n}@x.org"),
        lambda n: (f"dora{n}", "Same@Example.com" if n % 2 else "same@example.com"),
    ],
    ids=["same-username", "same-email"],
)
def test_concurrent_signups_give_one_account_and_form_errors(variant):
    barrier = threading.Barrier(6)
    statuses: list[int] = []

    def sign_up(n: int) -> None:
        try:
            client = Client(raise_request_exception=True)
            username, email = variant(n)
            barrier.wait(timeout=10)
            statuses.append(
                client.post(reverse("account_signup"), _form(username, email)).status_code
            )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sign_up, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(statuses) == 6
    assert all(status < 500 for status in statuses), statuses
    assert statuses.count(302) == 1  # one account; the others are told why
    assert User.objects.count() == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="RACE TEST NEEDS POSTGRESQL: SQLite serialises writers, so the race cannot happen.",
)
def test_twenty_concurrent_first_visits_to_the_solo_room_make_one_room():
    from rooms.models import Room

    user = User.objects.create_user(username="solo", email="solo@example.com", password="x")
    barrier = threading.Barrier(20)
    statuses: list[int] = []

    def visit() -> None:
        try:
            client = Client(raise_request_exception=True)
            client.force_login(user)
            barrier.wait(timeout=10)
            statuses.append(client.post(reverse("rooms:solo")).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=visit) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert statuses == [302] * 20
    assert Room.objects.filter(owner=user, is_solo=True).count() == 1
