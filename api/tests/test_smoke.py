from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_it_lists_rooms_for_a_token_holder(api_as, alice, room):
    response = api_as(alice).call("GET", "rooms/")
    assert response.status_code == 200, response.content
    assert [r["name"] for r in response.json()] == ["Thesis writing"]


def test_it_refuses_anonymous_with_json_401(api_as, room):
    response = api_as(None).call("GET", "rooms/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}
