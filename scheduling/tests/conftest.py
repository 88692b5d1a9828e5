"""Fixtures for the schedule's tests: a frozen clock, the personas' rooms, clients."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from rooms import services as room_services

# A Monday morning in winter (Berlin is UTC+1).
T0 = datetime.fromisoformat("2026-01-05T08:00:00+00:00")
HTMX = {"HX-Request": "true"}


@pytest.fixture
def frozen(time_machine):
    """Stops the clock at T0 (rate limits and 'now' in the services read it)."""
    time_machine.move_to(T0, tick=False)
    return time_machine


@pytest.fixture
def shared_room(alice, bob):
    """Alice's private room; Bob joined it with its invite link, Charlie has no access."""
    room = room_services.room_create(
        owner=alice, name="Alice's study", is_public=False, max_participants=8
    )
    room_services.room_join(room=room, user=bob, token=room.invite_token)
    return room


@pytest.fixture
def personas(alice, bob, charlie, moderator) -> dict:
    return {
        "owner": alice,
        "member": bob,
        "outsider": charlie,
        "moderator": moderator,
        "anonymous": AnonymousUser(),
    }


@pytest.fixture
def signed_in(db):
    """A fresh test client logged in as the given user (None: anonymous)."""

    def sign_in(user) -> Client:
        client = Client()
        if user is not None and user.is_authenticated:
            client.force_login(user)
        return client

    return sign_in
