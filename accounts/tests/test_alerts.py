"""/settings/alerts/: a person's alerts and keyboard shortcuts, theirs alone."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts import services
from accounts.models import Shortcuts

pytestmark = pytest.mark.django_db

URL = reverse("accounts:alerts_edit")


def test_it_needs_login(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert "/accounts/login/" in response.url


def test_it_shows_the_stored_choice(client, alice, django_assert_num_queries):
    client.force_login(alice)

    with django_assert_num_queries(2):  # session, user
        response = client.get(URL)

    body = response.content.decode()
    assert response.status_code == 200
    assert 'value="timer" id="id_keyboard_shortcuts_0" required checked' in body
    assert "page-wide" in body


def test_saving_page_wide_shortcuts_reaches_every_page(client, alice):
    client.force_login(alice)

    response = client.post(URL, {"keyboard_shortcuts": "page"})

    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.keyboard_shortcuts == Shortcuts.PAGE
    # The room page's script reads the choice from the body.
    assert 'data-shortcuts="page"' in client.get(reverse("home")).content.decode()


def test_a_bad_choice_is_a_clear_message_not_a_500(client, alice):
    client.force_login(alice)

    response = client.post(URL, {"keyboard_shortcuts": "everywhere!"})

    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()
    alice.refresh_from_db()
    assert alice.keyboard_shortcuts == Shortcuts.TIMER


def test_nobody_changes_anothers_alerts(alice, bob):
    with pytest.raises(PermissionDenied):
        services.alerts_update(user=alice, by=bob, keyboard_shortcuts="off")

    alice.refresh_from_db()
    assert alice.keyboard_shortcuts == Shortcuts.TIMER


def test_a_banned_account_changes_nothing(alice):
    alice.is_active = False
    alice.save()

    with pytest.raises(PermissionDenied):
        services.alerts_update(user=alice, by=alice, keyboard_shortcuts="off")


def test_the_service_refuses_an_unknown_choice(alice):
    with pytest.raises(ValidationError):
        services.alerts_update(user=alice, by=alice, keyboard_shortcuts="always")
