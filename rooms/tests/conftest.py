"""Fixtures for the room view tests: a frozen clock and signed-in clients."""

from __future__ import annotations

import pytest
from django.test import Client

from rooms.tests.helpers import T0


@pytest.fixture
def frozen_clock(time_machine):
    """Stops the clock at T0, so deadlines and countdowns in the pages are exact."""
    time_machine.move_to(T0, tick=False)


@pytest.fixture
def signed_in(db):
    """Returns a fresh test client logged in as the given user."""

    def sign_in(user, **client_options) -> Client:
        client = Client(**client_options)
        client.force_login(user)
        return client

    return sign_in
