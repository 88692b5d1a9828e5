"""The kept people rendering: served while nothing changed, never past a change."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

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


async def test_a_rendering_started_after_a_socket_joined_serves_it_across_a_change():
    """Pushes arriving while the list renders (a crowd's own arrivals) cannot make a
    socket that joined before it started render it again."""
    room_id = 987656
    joined_at = snapshots.joined()
    renders = []

    async def render():
        renders.append(1)
        snapshots.bump(room_id)  # a push reached the process meanwhile
        return f"<list {len(renders)}>"

    html = await asyncio.wait_for(
        snapshots.people_html(room_id, render, joined_at=joined_at), timeout=5
    )

    assert html == "<list 1>"
    assert renders == [1]
    assert snapshots.kept(room_id) is None  # not kept for sockets joining later


async def test_a_socket_waiting_on_an_older_rendering_gets_a_new_one_after_a_change():
    room_id = 987657
    release = asyncio.Event()
    renders = []

    async def render():
        renders.append(1)
        if len(renders) == 1:
            await release.wait()
        return f"<list {len(renders)}>"

    first = asyncio.create_task(
        snapshots.people_html(room_id, render, joined_at=snapshots.joined())
    )
    await asyncio.sleep(0)  # the first rendering is under way
    later_joined_at = snapshots.joined()
    second = asyncio.create_task(snapshots.people_html(room_id, render, joined_at=later_joined_at))
    await asyncio.sleep(0)
    snapshots.bump(room_id)  # a push the second socket may have missed
    release.set()

    assert await first == "<list 1>"
    assert await second == "<list 2>"
    assert len(renders) == 2


async def test_sockets_joining_together_share_one_rendering():
    room_id = 987658
    renders = []

    async def render():
        renders.append(1)
        await asyncio.sleep(0)
        return "<list>"

    joined_at = snapshots.joined()
    pages = await asyncio.gather(
        *(snapshots.people_html(room_id, render, joined_at=joined_at) for _ in range(50))
    )

    assert set(pages) == {"<list>"}
    assert renders == [1]


async def test_the_timer_rendering_is_reused_for_a_moment_while_nothing_changed(monkeypatch):
    renders = []

    def render():
        renders.append(1)
        return f"<timer {len(renders)}>"

    idle = SimpleNamespace(room_id=987659, version=3, settings=("25 min",))
    started = SimpleNamespace(room_id=987659, version=4, settings=("25 min",))
    edited = SimpleNamespace(room_id=987659, version=4, settings=("50 min",))

    assert snapshots.timer_html(idle, render) == "<timer 1>"
    assert snapshots.timer_html(idle, render) == "<timer 1>"  # a moment later
    assert snapshots.timer_html(started, render) == "<timer 2>"  # a new version
    assert snapshots.timer_html(edited, render) == "<timer 3>"  # the room's settings changed
    monkeypatch.setattr(snapshots, "TIMER_REUSE_SECONDS", 0)
    assert snapshots.timer_html(edited, render) == "<timer 4>"  # not after the moment
