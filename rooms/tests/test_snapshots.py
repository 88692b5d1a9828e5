"""The kept people rendering: served while nothing changed, never past a change."""

from __future__ import annotations

import asyncio
import time

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


async def test_a_rendering_begun_after_the_join_is_used_though_a_push_came_meanwhile():
    """People pushes every half second while a crowd arrives must not send each arriving
    socket round again: what it renders after joining is all it needs."""
    room_id = 987656
    renders = []

    async def render() -> str:
        renders.append(1)
        snapshots.bump(room_id)  # another socket's push arrives while this one renders
        return f"<list {len(renders)}>"

    joined_at = time.monotonic()
    html = await snapshots.people_html(room_id, render, joined_at=joined_at)

    assert html == "<list 1>" and len(renders) == 1
    assert snapshots.kept(room_id) is None  # but it is not kept for the sockets after


async def test_a_rendering_begun_before_the_join_is_made_again_after_a_push():
    room_id = 987657
    renders = []
    started = asyncio.Event()
    release = asyncio.Event()

    async def slow_render() -> str:
        renders.append("slow")
        started.set()
        await release.wait()
        return "<list from before the push>"

    async def fresh_render() -> str:
        renders.append("fresh")
        return "<list with the change>"

    early = asyncio.create_task(snapshots.people_html(room_id, slow_render, joined_at=0.0))
    await started.wait()
    joined_at = time.monotonic()  # this socket joins while the early rendering is made
    late = asyncio.create_task(snapshots.people_html(room_id, fresh_render, joined_at=joined_at))
    await asyncio.sleep(0)
    snapshots.bump(room_id)  # a push this socket may have missed, sent before it joined
    release.set()

    assert await late == "<list with the change>"
    # The early socket joined before its rendering began: the push reaches it afterwards.
    assert await early == "<list from before the push>"
    assert renders == ["slow", "fresh"]
