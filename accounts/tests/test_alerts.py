"""/settings/alerts/: a person's alerts and keyboard shortcuts, theirs alone."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts import services
from accounts.models import Shortcuts

pytestmark = pytest.mark.django_db

URL = reverse("accounts:alerts_edit")
VALID = {
    "sound_on": "on",
    "sound_volume": "40",
    "work_end_sound": "bell",
    "break_end_sound": "wood",
    "desktop_notifications": "on",
    "title_countdown": "on",
    "keyboard_shortcuts": "timer",
    "announce_chat": "on",
}
CHOICES = {key: value for key, value in VALID.items() if key != "sound_on"} | {
    "sound_on": True,
    "sound_volume": 40,
    "desktop_notifications": True,
    "title_countdown": True,
    "announce_chat": True,
}


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

    response = client.post(URL, VALID | {"keyboard_shortcuts": "page"})

    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.keyboard_shortcuts == Shortcuts.PAGE
    # The room page's script reads the choice from the body.
    assert 'data-shortcuts="page"' in client.get(reverse("home")).content.decode()


def test_saved_sounds_volume_and_switches_reach_every_page(client, alice):
    client.force_login(alice)
    # Unticked boxes are absent from a post: sound and title countdown off.
    form = VALID | {"sound_volume": "35", "work_end_sound": "wood", "break_end_sound": "bell"}
    del form["sound_on"], form["title_countdown"]

    assert client.post(URL, form).status_code == 302

    alice.refresh_from_db()
    assert (alice.sound_on, alice.sound_volume, alice.title_countdown) == (False, 35, False)
    body = client.get(reverse("home")).content.decode()
    assert 'data-sound="off" data-volume="35"' in body
    assert 'data-work-sound="/static/sounds/wood.wav"' in body
    assert 'data-break-sound="/static/sounds/bell.wav"' in body
    assert 'data-notify="on" data-title-countdown="off"' in body
    assert 'data-announce-chat="on"' in body


def test_chat_lines_read_aloud_can_be_turned_off(client, alice):
    client.force_login(alice)
    form = dict(VALID)
    del form["announce_chat"]  # an unticked box is absent from the post

    assert client.post(URL, form).status_code == 302

    alice.refresh_from_db()
    assert alice.announce_chat is False
    assert 'data-announce-chat="off"' in client.get(reverse("home")).content.decode()


def test_a_stranger_gets_no_alert_settings_in_the_page(client, db):
    assert "data-work-sound" not in client.get(reverse("home")).content.decode()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("sound_volume", "150", "less than or equal to 100"),
        ("sound_volume", "-1", "greater than or equal to 0"),
        ("sound_volume", "loud", "Enter a whole number"),
        ("work_end_sound", "../../etc/passwd", "Select a valid choice"),
    ],
)
def test_bad_alert_values_get_a_clear_message(client, alice, field, value, message):
    client.force_login(alice)

    response = client.post(URL, VALID | {field: value})

    assert response.status_code == 422
    assert message in response.content.decode()
    alice.refresh_from_db()
    assert alice.sound_volume == 70 and alice.work_end_sound == "chime"


def test_a_bad_choice_is_a_clear_message_not_a_500(client, alice):
    client.force_login(alice)

    response = client.post(URL, VALID | {"keyboard_shortcuts": "everywhere!"})

    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()
    alice.refresh_from_db()
    assert alice.keyboard_shortcuts == Shortcuts.TIMER


def test_nobody_changes_anothers_alerts(alice, bob):
    with pytest.raises(PermissionDenied):
        services.alerts_update(user=alice, by=bob, **CHOICES | {"keyboard_shortcuts": "off"})

    alice.refresh_from_db()
    assert alice.keyboard_shortcuts == Shortcuts.TIMER


def test_a_banned_account_changes_nothing(alice):
    alice.is_active = False
    alice.save()

    with pytest.raises(PermissionDenied):
        services.alerts_update(user=alice, by=alice, **CHOICES | {"keyboard_shortcuts": "off"})


def test_the_service_refuses_an_unknown_choice(alice):
    with pytest.raises(ValidationError):
        services.alerts_update(user=alice, by=alice, **CHOICES | {"keyboard_shortcuts": "always"})


def test_the_service_refuses_a_volume_past_100(alice):
    with pytest.raises(ValidationError):
        services.alerts_update(user=alice, by=alice, **CHOICES | {"sound_volume": 101})


def test_every_sound_choice_has_its_file():
    from django.conf import settings

    from accounts.models import AlertSound

    for sound in AlertSound:
        assert (settings.BASE_DIR / "static" / "sounds" / f"{sound}.wav").stat().st_size > 10_000
