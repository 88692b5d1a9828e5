"""Presence changes go through the bus: `presence_write` publishes `PeopleChanged` once its
rows are written, and the rooms' subscriber renders it once for the room's push."""

from __future__ import annotations

import pytest
from django.db import connection

from focusmate import events
from focusmate.lib import broadcast
from rooms import services


@pytest.mark.django_db
def test_a_presence_write_publishes_who_changed_after_its_rows(
    room, alice, bob, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.presence_write(process="p", room_id=room.pk, here={bob.pk}, gone={alice.pk})

    assert [event for event in published if isinstance(event, events.PeopleChanged)] == [
        events.PeopleChanged(room_id=room.pk, user_ids=frozenset({alice.pk, bob.pk}))
    ]
    # and the arrival, for scheduled sessions' attendance (scheduling.attendance)
    assert [event.user_ids for event in published if isinstance(event, events.RoomOpened)] == [
        frozenset({bob.pk})
    ]


@pytest.mark.django_db
def test_a_presence_write_of_nobody_publishes_nothing(
    room, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.presence_write(process="p", room_id=room.pk)

    assert published == []


@pytest.mark.django_db(transaction=True)
def test_the_socket_layer_s_write_is_pushed_at_once_rendered_once(room, bob, monkeypatch):
    """Outside a transaction (as the socket layer calls it) the push leaves before the
    call returns, with the rows written: it shows bob online."""
    sent = []

    def send_all(messages):
        sent.extend((group, payload, connection.in_atomic_block) for group, payload in messages)

    monkeypatch.setattr(broadcast, "_send_all", send_all)

    services.presence_write(process="p", room_id=room.pk, here={bob.pk})

    ((group, payload, in_transaction),) = sent
    assert (group, payload["type"], in_transaction) == (f"room.{room.pk}", "people.changed", False)
    assert 'data-user="bob" data-online="true"' in payload["html"]
    assert [person["user_id"] for person in payload["data"]["changed"]] == [bob.pk]
