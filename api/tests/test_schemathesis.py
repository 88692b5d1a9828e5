"""Schemathesis against the published schema: generated requests for every operation,
as a logged-in member of a room. No answer may be a server error, and every answer must
match the schema (status, content type, body).

Bounded to about a minute: a few dozen examples per operation.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.services import token_issue
from rooms import services as room_services

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def keep_connection():
    """A WSGI request ends by closing the database connection, which would end the test's
    transaction; Django's own test client unhooks that the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def member_token(keep_connection, alice, bob) -> str:
    """Bob's token; he is in Alice's room, so ids near his are found, not only 404s."""
    room = room_services.room_create(owner=alice, name="Fuzzed")
    room_services.room_join(room=room, user=bob)
    return token_issue(user=bob)[1]


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_conforms_to_its_schema(case, member_token):
    case.call_and_validate(headers={"Authorization": f"Bearer {member_token}"}, checks=CHECKS)
