"""The follows endpoints: the same services and rules as the profile's button."""

from __future__ import annotations

import pytest

from accounts import services as account_services
from accounts.models import FocusVisibility, Follow
from accounts.tests.factories import UserFactory
from dashboard.tests.conftest import focusing
from rooms import services as room_services

pytestmark = pytest.mark.django_db


def test_follow_then_list_then_unfollow(api_as, alice, bob):
    client = api_as(alice)

    created = client.call("POST", f"follows/{bob.pk}")
    listed = client.call("GET", "follows")
    removed = client.call("DELETE", f"follows/{bob.pk}")
    again = client.call("DELETE", f"follows/{bob.pk}")

    assert created.status_code == 201
    assert created.json() == {"user": {"id": str(bob.pk), "username": "bob"}, "following": True}
    assert [row["user"]["username"] for row in listed.json()] == ["bob"]
    assert listed.json()[0]["focusing"] is None
    assert removed.json()["removed"] is True
    assert again.json()["removed"] is False
    assert not Follow.objects.exists()


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("self", 422), ("stranger", 201), ("blocked", 403), ("anonymous", 401), ("nobody", 404)],
)
def test_follow_persona_matrix(api_as, alice, bob, persona, expected):
    if persona == "blocked":
        account_services.user_block(by=bob, user=alice)
    target = {"self": alice.pk, "nobody": 999_999}.get(persona, bob.pk)
    client = api_as(None if persona == "anonymous" else alice)

    response = client.call("POST", f"follows/{target}")

    assert response.status_code == expected, response.content
    assert Follow.objects.exists() is (expected == 201)


def test_the_list_says_who_is_focusing_within_the_privacy_rule(api_as, alice, bob, charlie):
    for person in (bob, charlie):
        account_services.follow_create(follower=alice, followed=person)
        focusing(person, room_services.room_create(owner=person, name=f"{person}'s room"))
    charlie.focus_visibility = FocusVisibility.NOBODY
    charlie.save()

    rows = {row["user"]["username"]: row for row in api_as(alice).call("GET", "follows").json()}

    assert rows["bob"]["focusing"]["room_name"] == "bob's room"
    assert rows["charlie"]["focusing"] is None


@pytest.mark.parametrize("count", [1, 5])
def test_the_list_costs_a_fixed_number_of_queries(api_as, alice, count, django_assert_num_queries):
    client = api_as(alice)
    for person in UserFactory.create_batch(count):
        account_services.follow_create(follower=alice, followed=person)
        focusing(person, room_services.room_create(owner=person, name="Desk"))

    # the token with its user; the follows; the panel's three
    with django_assert_num_queries(5):
        response = client.call("GET", "follows")

    assert len(response.json()) == count
    assert all(row["focusing"]["room_name"] == "Desk" for row in response.json())


def test_the_endpoints_are_in_the_schema(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]

    assert {"get"} <= set(paths["/api/v1/follows"])
    assert {"post", "delete"} <= set(paths["/api/v1/follows/{user_id}"])
