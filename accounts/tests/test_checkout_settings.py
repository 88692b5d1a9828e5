"""The two check-out settings: whether "Did you do it?" shows by itself (an alert
setting) and whether the room sees my ✓ (a profile setting)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts import services
from accounts.tests.test_alerts import VALID

pytestmark = pytest.mark.django_db


def test_the_prompt_shows_by_itself_and_check_outs_are_private_by_default(alice):
    assert alice.checkout_prompt is True
    assert alice.show_checkouts is False


def test_the_prompt_setting_is_on_the_alerts_page_and_reaches_every_page(client, alice):
    client.force_login(alice)
    assert 'name="checkout_prompt"' in client.get(reverse("accounts:alerts_edit")).content.decode()

    assert client.post(reverse("accounts:alerts_edit"), VALID).status_code == 302  # unticked

    alice.refresh_from_db()
    assert alice.checkout_prompt is False
    assert 'data-checkout-prompt="off"' in client.get(reverse("home")).content.decode()
    client.post(reverse("accounts:alerts_edit"), VALID | {"checkout_prompt": "on"})
    assert 'data-checkout-prompt="on"' in client.get(reverse("home")).content.decode()


def test_showing_my_check_outs_is_a_profile_setting(client, alice):
    client.force_login(alice)
    page = client.get(reverse("accounts:profile_edit")).content.decode()
    assert "Show my check-outs to the room" in page

    response = client.post(
        reverse("accounts:profile_edit"),
        {"bio": "", "timezone": "UTC", "show_checkouts": "on"},
    )

    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.show_checkouts is True


def test_an_older_caller_keeps_the_stored_choices(alice):
    alice.show_checkouts = True
    alice.checkout_prompt = False
    alice.save()

    services.profile_update(
        user=alice, by=alice, bio="", timezone="UTC", stats_public=True, on_leaderboard=False
    )
    services.alerts_update(
        user=alice,
        by=alice,
        keyboard_shortcuts="timer",
        sound_on=True,
        sound_volume=50,
        work_end_sound="chime",
        break_end_sound="rise",
        desktop_notifications=True,
        title_countdown=True,
    )

    alice.refresh_from_db()
    assert (alice.show_checkouts, alice.checkout_prompt) == (True, False)


@pytest.mark.parametrize("persona", ["member", "outsider", "moderator"])
def test_nobody_changes_anothers_check_out_settings(alice, bob, charlie, moderator, persona):
    by = {"member": bob, "outsider": charlie, "moderator": moderator}[persona]

    with pytest.raises(PermissionDenied):
        services.profile_update(
            user=alice,
            by=by,
            bio="",
            timezone="UTC",
            stats_public=True,
            on_leaderboard=False,
            show_checkouts=True,
        )

    alice.refresh_from_db()
    assert alice.show_checkouts is False
