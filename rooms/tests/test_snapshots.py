"""The kept people rendering: served while nothing changed, never past a change."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from rooms import services, snapshots
from rooms.tests.test_consumers import _communicator, _receive_timer
from rooms.tests.test_socket_access import _drain, _login

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.anyio]


def test_a_rendering_made_across_a_change_is_not_kept():
    room_id = 987654
    made_at = snapshots.generation(room_id)
    snapshots.bump(room_id)  # a push arrived while the list was being rendered

    snapshots.keep(room_id, made_at, "<old list>")

    assert snapshots.kept(room_id) is None


def test_a_change_drops_the_kept_rendering():
    room_id = 987655
    snapshots.keep(room_id, snapshots.generation(room_id), "<list>")
    assert snapshots.kept(room_id) == "<list>"

    snapshots.bump(room_id)

    assert snapshots.kept(room_id) is None


async def test_a_socket_connecting_after_a_change_sees_it_in_its_snapshot(room, alice, bob):
    _, alice_cookie = await database_sync_to_async(_login)(alice)
    _, bob_cookie = await database_sync_to_async(_login)(bob)
    first = _communicator(room, alice_cookie)
    assert (await first.connect())[0]
    await _receive_timer(first)  # its snapshot rendered (and kept) the list
    await _drain(first)

    await database_sync_to_async(services.participant_set_intention)(
        room=room, user=alice, intention="Chapter 4 outline"
    )
    await _drain(first)  # the push reached this process: the kept list is dropped
    second = _communicator(room, bob_cookie)
    try:
        assert (await second.connect())[0]
        snapshot = await _receive_timer(second)
    finally:
        await first.disconnect()
        await second.disconnect()

    assert "Chapter 4 outline" in snapshot
