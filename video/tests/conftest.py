"""Fixtures for the camera strip's tests: the room's sockets, said hello."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from accounts.tests.factories import UserFactory


@pytest.fixture
def dave(db):
    """Dave joined Alice's room too: the third person, who must overhear nothing."""
    return UserFactory(username="dave")


def video_frames(frames: list[str]) -> list[dict]:
    return [json.loads(frame) for frame in frames if frame.startswith("{")]


@pytest.fixture
def signed_in(db):
    """A fresh test client logged in as the given user."""

    def sign_in(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return sign_in
