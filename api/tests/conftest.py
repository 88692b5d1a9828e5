"""API test fixtures: token clients for the personas, and a room Alice owns that Bob is in."""

from __future__ import annotations

import pytest
from django.test import Client

from api.services import token_issue
from rooms import services as room_services


class ApiClient(Client):
    """A test client that sends a Bearer token (or nothing) and JSON bodies."""

    def __init__(self, token: str | None = None, **kwargs):
        if token:
            kwargs["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        super().__init__(**kwargs)

    def call(self, method: str, path: str, body=None, **kwargs):
        url = path if path.startswith("/") else f"/api/v1/{path}"
        if body is not None:
            kwargs.update(data=body, content_type="application/json")
        return getattr(self, method.lower())(url, **kwargs)


@pytest.fixture
def api_as(db):
    """Returns an ApiClient holding a fresh token for the given user (None: anonymous)."""

    def make(user) -> ApiClient:
        if user is None:
            return ApiClient()
        _, secret = token_issue(user=user)
        return ApiClient(secret)

    return make


@pytest.fixture
def room(alice, bob):
    """A public room Alice owns; Bob has joined it."""
    created = room_services.room_create(owner=alice, name="Deep work")
    room_services.room_join(room=created, user=bob)
    return created


@pytest.fixture
def private_room(alice):
    """A private room of Alice's that nobody else has joined."""
    return room_services.room_create(owner=alice, name="Alice alone", is_public=False)
