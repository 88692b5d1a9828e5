"""The room's count of cameras: six at most, the same for every process, and a camera
whose page or socket died stops counting."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from accounts.tests.factories import UserFactory
from rooms import services as room_services
from timers.services import timer_command
from video import services
from video.models import MAX_CAMERAS, Camera
from video.tests.sockets import hear_no_video, hello, next_video, open_socket


@pytest.fixture
def crowd(room):
    """Seven people in Alice's room besides her."""
    people = [UserFactory(username=f"p{i}") for i in range(7)]
    for person in people:
        room_services.room_join(room=room, user=person)
    return people


@pytest.mark.django_db
def test_the_seventh_camera_is_refused_with_the_reason(room, crowd):
    for person in crowd[:MAX_CAMERAS]:
        services.camera_on(room_id=room.pk, user=person, peer=f"person-page-{person.pk}")

    with pytest.raises(ValidationError) as refused:
        services.camera_on(room_id=room.pk, user=crowd[6], peer="page-7")

    assert refused.value.messages == ["6 cameras are on: yours can join when one turns off."]
    assert Camera.objects.filter(room=room).count() == MAX_CAMERAS


@pytest.mark.django_db
def test_a_camera_turned_off_makes_room(room, crowd):
    for person in crowd[:MAX_CAMERAS]:
        services.camera_on(room_id=room.pk, user=person, peer=f"person-page-{person.pk}")
    assert services.camera_off(
        room_id=room.pk, user_id=crowd[0].pk, peer=f"person-page-{crowd[0].pk}"
    )

    services.camera_on(room_id=room.pk, user=crowd[6], peer="page-7")

    assert Camera.objects.filter(room=room).count() == MAX_CAMERAS


@pytest.mark.django_db
def test_a_camera_its_page_stopped_confirming_stops_counting(room, crowd, time_machine, settings):
    """A page or a process that died without closing: after CAMERA_TTL_SECONDS."""
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    for person in crowd[:MAX_CAMERAS]:
        services.camera_on(room_id=room.pk, user=person, peer=f"person-page-{person.pk}")
    time_machine.move_to(start + timedelta(seconds=settings.CAMERA_TTL_SECONDS / 2), tick=False)
    for person in crowd[1:MAX_CAMERAS]:  # every page but the first confirms its camera
        services.camera_on(room_id=room.pk, user=person, peer=f"person-page-{person.pk}")
    with pytest.raises(ValidationError):
        services.camera_on(room_id=room.pk, user=crowd[6], peer="page-7")

    time_machine.move_to(start + timedelta(seconds=settings.CAMERA_TTL_SECONDS + 1), tick=False)
    services.camera_on(room_id=room.pk, user=crowd[6], peer="page-7")

    assert not Camera.objects.filter(user=crowd[0]).exists()
    assert Camera.objects.filter(room=room).count() == MAX_CAMERAS


@pytest.mark.django_db
def test_turning_on_again_is_a_confirmation_not_a_second_camera(room, bob):
    first = services.camera_on(room_id=room.pk, user=bob, peer="bob-page-1")
    again = services.camera_on(room_id=room.pk, user=bob, peer="bob-page-1")

    assert first.pk == again.pk
    assert Camera.objects.filter(room=room).count() == 1


@pytest.mark.django_db
def test_outsiders_and_banned_people_get_no_camera(room, charlie, bob):
    with pytest.raises(PermissionDenied):
        services.camera_on(room_id=room.pk, user=charlie, peer="charlie-page")
    bob.is_active = False
    bob.save()
    with pytest.raises(PermissionDenied):
        services.camera_on(room_id=room.pk, user=bob, peer="bob-page-1")
    assert not Camera.objects.exists()


@pytest.mark.django_db
def test_closing_the_room_ends_its_cameras(room, alice, bob, deliver_at_once, published):
    services.camera_on(room_id=room.pk, user=bob, peer="bob-page-1")
    services.cameras_clear(room_id=room.pk)
    assert not Camera.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_closed_room_clears_its_cameras_through_the_event(room, alice, bob):
    services.camera_on(room_id=room.pk, user=bob, peer="bob-page-1")
    room_services.room_close(room=room, by=alice)
    assert not Camera.objects.exists()


@pytest.mark.django_db
def test_the_microphone_needs_a_break_and_the_room_setting(room, alice, bob):
    services.camera_on(room_id=room.pk, user=bob, peer="bob-page-1")
    with pytest.raises(ValidationError, match="only during breaks"):  # setting off, idle
        services.camera_mic(room_id=room.pk, user=bob, peer="bob-page-1", on=True)
    room_services.room_update(room=room, by=alice, mic_during_breaks=True)
    room.refresh_from_db()
    timer_command(room=room, by=alice, action="start")
    with pytest.raises(ValidationError, match="only during breaks"):  # a work phase
        services.camera_mic(room_id=room.pk, user=bob, peer="bob-page-1", on=True)

    timer_command(room=room, by=alice, action="skip")  # now a short break
    services.camera_mic(room_id=room.pk, user=bob, peer="bob-page-1", on=True)

    assert Camera.objects.get(user=bob).mic_on
    with pytest.raises(ValidationError, match="camera on first"):
        services.camera_mic(room_id=room.pk, user=alice, peer="alice-page", on=True)


@pytest.mark.django_db
def test_in_a_room_for_a_conversation_the_microphone_works_in_a_work_phase(room, alice, bob):
    room_services.room_allow_talking(room=room)
    room.refresh_from_db()
    timer_command(room=room, by=alice, action="start")
    services.camera_on(room_id=room.pk, user=bob, peer="bob-page-1")

    services.camera_mic(room_id=room.pk, user=bob, peer="bob-page-1", on=True)

    assert Camera.objects.get(user=bob).mic_on


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="NEEDS POSTGRESQL: row locks are tested on PostgreSQL (set DATABASE_URL)",
)
@pytest.mark.django_db(transaction=True)
def test_seven_pages_at_once_get_six_cameras(room, crowd):
    """Two processes' sockets race for the last places: the room's lock decides."""
    barrier = threading.Barrier(7)
    outcomes: list[str] = []

    def turn_on(person) -> None:
        try:
            barrier.wait()
            services.camera_on(room_id=room.pk, user=person, peer=f"person-page-{person.pk}")
            outcomes.append("on")
        except ValidationError:
            outcomes.append("full")
        finally:
            connection.close()

    threads = [threading.Thread(target=turn_on, args=(person,)) for person in crowd]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["full"] + ["on"] * 6
    assert Camera.objects.filter(room=room).count() == MAX_CAMERAS


@pytest.mark.django_db(transaction=True)
@pytest.mark.anyio
async def test_over_sockets_the_seventh_waits_until_a_socket_dies(room, crowd, settings):
    settings.PRESENCE_COALESCE_SECONDS = 0.05
    sockets = []
    try:
        for person in crowd:
            communicator = await open_socket(room, person)
            await hello(communicator, f"person-page-{person.pk}")
            sockets.append(communicator)
        for communicator in sockets[:MAX_CAMERAS]:
            await communicator.send_json_to({"video": "camera", "on": True})
            await next_video(communicator, "cameras")
        seventh = sockets[6]
        await hear_no_video(seventh, quiet=0.2)

        await seventh.send_json_to({"video": "camera", "on": True})
        full = await next_video(seventh, "full")
        assert full["text"] == "6 cameras are on: yours can join when one turns off."

        await sockets[0].disconnect(timeout=10)  # the socket dies: its camera stops at once
        cameras = await next_video(seventh, "cameras")
        assert len(cameras["cameras"]) == MAX_CAMERAS - 1
        await seventh.send_json_to({"video": "camera", "on": True})
        while True:
            cameras = await next_video(seventh, "cameras")
            if any(c["peer"] == f"person-page-{crowd[6].pk}" for c in cameras["cameras"]):
                break
        assert len(cameras["cameras"]) == MAX_CAMERAS
    finally:
        for communicator in sockets[1:]:
            await communicator.disconnect(timeout=10)
    count = await database_sync_to_async(Camera.objects.count)()
    assert count == 0  # every closed socket took its camera with it
