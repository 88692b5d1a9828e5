"""The privacy setting lives in the profile form; the profile offers a way to write."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import MessagePrivacy

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("choice", list(MessagePrivacy))
def test_the_profile_form_saves_each_privacy_choice(client, alice, choice):
    client.force_login(alice)
    form = client.get(reverse("accounts:profile_edit")).content.decode()
    assert 'name="message_privacy"' in form

    response = client.post(
        reverse("accounts:profile_edit"),
        {"bio": "", "timezone": "UTC", "message_privacy": choice.value},
    )

    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.message_privacy == choice


def test_a_post_without_the_field_keeps_the_stored_choice(client, alice):
    alice.message_privacy = MessagePrivacy.NOBODY
    alice.save()
    client.force_login(alice)
    client.post(reverse("accounts:profile_edit"), {"bio": "", "timezone": "UTC"})
    alice.refresh_from_db()
    assert alice.message_privacy == MessagePrivacy.NOBODY


def test_someone_elses_profile_links_to_a_conversation(client, alice, bob):
    client.force_login(alice)
    body = client.get(reverse("accounts:profile", args=["bob"])).content.decode()
    assert reverse("messaging:conversation", args=["bob"]) in body
    own = client.get(reverse("accounts:profile", args=["alice"])).content.decode()
    assert reverse("messaging:conversation", args=["alice"]) not in own
