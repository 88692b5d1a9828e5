"""`may_signal` is `rooms.access.socket_membership` for both people, in one query."""

from __future__ import annotations

import pytest

from accounts.tests.factories import UserFactory
from rooms import services as room_services
from rooms.access import socket_membership
from video.access import may_signal

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(room, alice, bob, charlie):
    """Owner and member present; Charlie outside; Erin left; Frank banned while in."""
    erin, frank = UserFactory(username="erin"), UserFactory(username="frank")
    for person in (erin, frank):
        room_services.room_join(room=room, user=person)
    room_services.room_leave(room=room, user=erin)
    type(frank).objects.filter(pk=frank.pk).update(is_active=False)
    frank.refresh_from_db()
    return {"owner": alice, "member": bob, "outsider": charlie, "left": erin, "banned": frank}


@pytest.mark.parametrize("recipient", ["owner", "member", "outsider", "left", "banned"])
@pytest.mark.parametrize("sender", ["owner", "member", "outsider", "left", "banned"])
@pytest.mark.parametrize("closed", [False, True])
def test_it_is_the_socket_rule_for_both(room, alice, people, sender, recipient, closed):
    if closed:
        room_services.room_close(room=room, by=alice)
    expected = all(
        socket_membership(room_id=room.pk, user=people[who]) is not None
        for who in (sender, recipient)
    )

    assert (
        may_signal(room_id=room.pk, sender=people[sender], recipient_id=people[recipient].pk)
        is expected
    )
    assert expected is (
        not closed and sender in ("owner", "member") and recipient in ("owner", "member")
    )


def test_it_costs_one_query(room, alice, bob, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert may_signal(room_id=room.pk, sender=alice, recipient_id=bob.pk)
