"""API test fixtures: token clients for the personas (the rooms come from the root conftest)."""

from __future__ import annotations

import pytest
from django.test import Client

from api.services import token_issue


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


@pytest.fixture(params=[False, True], ids=["production", "debug"])
def debug(request, settings):
    """Runs the test with DEBUG off and on (Django answers errors differently in each)."""
    settings.DEBUG = request.param
    return request.param
