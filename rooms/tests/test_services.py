from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.tests.factories import UserFactory
from focusmate import events
from rooms import services
from rooms.models import Participant, Presence, Room
from rooms.tests.helpers import T0
from timers import services as timer_services
from timers.models import Timer

pytestmark = pytest.mark.django_db


def test_create_makes_a_room_with_a_timer_and_the_owner_inside(alice):
    room = services.room_create(owner=alice, name="Morning writing", work_minutes=50)

    assert room.work_minutes == 50
    assert Timer.objects.get(room=room).status == "idle"
    assert Participant.objects.present().filter(room=room, user=alice).exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("work_minutes", 0),
        ("work_minutes", 181),
        ("short_break_minutes", 61),
        ("long_break_minutes", 0),
    ],
)
def test_create_refuses_durations_out_of_range(alice, field, value):
    with pytest.raises(ValidationError) as error:
        services.room_create(owner=alice, name="Bad", **{field: value})

    assert field in error.value.message_dict
    assert not Room.objects.filter(name="Bad").exists()


def test_anyone_joins_a_public_room(room, charlie):
    participant = services.room_join(room=room, user=charlie)

    assert participant.is_present
    assert participant.joined_seq == 1


def test_joining_twice_is_harmless(room, bob):
    services.room_join(room=room, user=bob)

    assert Participant.objects.filter(room=room, user=bob).count() == 1


def test_a_private_room_needs_its_invite_token(private_room, charlie):
    with pytest.raises(PermissionDenied):
        services.room_join(room=private_room, user=charlie)
    with pytest.raises(PermissionDenied):
        services.room_join(room=private_room, user=charlie, token="guess")

    assert services.room_join(
        room=private_room, user=charlie, token=private_room.invite_token
    ).is_present


def test_a_regenerated_invite_token_replaces_the_old_one(private_room, alice, charlie):
    old = private_room.invite_token

    services.room_regenerate_invite(room=private_room, by=alice)

    assert private_room.invite_token != old
    with pytest.raises(PermissionDenied):
        services.room_join(room=private_room, user=charlie, token=old)


def test_only_the_owner_regenerates_the_invite(private_room, bob):
    with pytest.raises(PermissionDenied):
        services.room_regenerate_invite(room=private_room, by=bob)


def test_a_full_room_refuses_a_new_join_with_a_clear_message(alice, bob, charlie):
    room = services.room_create(owner=alice, name="Pair", max_participants=2)
    services.room_join(room=room, user=bob)

    with pytest.raises(ValidationError, match=r"full \(2 people\)"):
        services.room_join(room=room, user=charlie)


def test_a_closed_room_refuses_joins(room, alice, charlie):
    services.room_close(room=room, by=alice)

    with pytest.raises(ValidationError, match="closed"):
        services.room_join(room=room, user=charlie)


@pytest.mark.parametrize("who", ["bob", "charlie"])
def test_only_the_owner_edits_or_closes(room, request, who):
    user = request.getfixturevalue(who)

    with pytest.raises(PermissionDenied):
        services.room_update(room=room, by=user, name="Mine now")
    with pytest.raises(PermissionDenied):
        services.room_close(room=room, by=user)

    room.refresh_from_db()
    assert room.name == "Thesis writing"
    assert room.is_active


def test_owner_edits_settings(room, alice):
    services.room_update(room=room, by=alice, work_minutes=45, control=Room.Control.OWNER)

    room.refresh_from_db()
    assert room.work_minutes == 45
    assert room.control == "owner"


def test_leaving_keeps_the_membership_row_for_history(room, bob):
    services.room_leave(room=room, user=bob)

    participant = Participant.objects.get(room=room, user=bob)
    assert not participant.is_present
    with pytest.raises(ValidationError):
        services.room_leave(room=room, user=bob)


def test_intention_is_shown_only_for_members(room, bob, charlie):
    services.participant_set_intention(room=room, user=bob, intention="  Chapter 3  ")

    assert Participant.objects.get(room=room, user=bob).intention == "Chapter 3"
    with pytest.raises(PermissionDenied):
        services.participant_set_intention(room=room, user=charlie, intention="spam")
    with pytest.raises(ValidationError):
        services.participant_set_intention(room=room, user=bob, intention="x" * 141)


def test_intention_changes_are_rate_limited(room, bob):
    from focusmate.lib.ratelimit import RateLimited

    with pytest.raises(RateLimited):
        for number in range(20):
            services.participant_set_intention(room=room, user=bob, intention=f"task {number}")


def test_solo_room_is_created_once_and_is_private(alice, charlie):
    first = services.solo_room_for(user=alice)
    second = services.solo_room_for(user=alice)

    assert first == second
    assert first.is_solo and not first.is_public
    with pytest.raises(PermissionDenied):
        services.room_join(room=first, user=charlie, token=first.invite_token)


def _online(room, user) -> bool:
    return Participant.objects.get(room=room, user=user).is_online


def test_presence_counts_each_process_once_and_flips_only_at_the_edges(room, bob):
    services.presence_write(process="a", room_id=room.pk, here={bob.pk})
    services.presence_write(process="a", room_id=room.pk, here={bob.pk})  # idempotent
    services.presence_write(process="b", room_id=room.pk, here={bob.pk})
    assert Presence.objects.count() == 2
    services.presence_write(process="a", room_id=room.pk, gone={bob.pk})
    assert _online(room, bob)
    services.presence_write(process="b", room_id=room.pk, gone={bob.pk})
    assert not _online(room, bob)


def test_presence_writes_a_crowd_s_arrivals_and_departures_together(
    room, alice, bob, charlie, django_assert_num_queries
):
    services.room_join(room=room, user=charlie)
    services.presence_write(process="a", room_id=room.pk, here={alice.pk, bob.pk})

    # one delete for who left, one upsert for everyone here, however many they are
    with django_assert_num_queries(2):
        services.presence_write(
            process="a", room_id=room.pk, here={bob.pk, charlie.pk}, gone={alice.pk}
        )

    assert set(Presence.objects.values_list("user_id", flat=True)) == {bob.pk, charlie.pk}
    assert not _online(room, alice) and _online(room, bob) and _online(room, charlie)


def test_a_dead_process_s_people_expire_and_the_sweep_announces_them(
    room, bob, alice, time_machine, published, django_capture_on_commit_callbacks
):
    time_machine.move_to(T0, tick=False)
    services.presence_write(process="dead", room_id=room.pk, here={bob.pk})
    services.presence_write(process="alive", room_id=room.pk, here={alice.pk})
    time_machine.move_to(T0 + timedelta(seconds=15), tick=False)
    services.presence_heartbeat(process="alive", holding={(room.pk, alice.pk)})
    assert _online(room, bob)  # not expired yet

    time_machine.move_to(T0 + timedelta(seconds=25), tick=False)
    assert not _online(room, bob)  # reads treat an unconfirmed row as offline at once
    assert _online(room, alice)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.presence_expire() == 1

    assert published == [events.PeopleChanged(room_id=room.pk, user_ids=frozenset({bob.pk}))]
    assert not Presence.objects.filter(process="dead").exists()


def test_the_heartbeat_rewrites_a_process_s_rows_from_what_it_holds(room, bob, alice):
    """A socket whose handler died without disconnect() is no longer held: it goes."""
    services.presence_write(process="p", room_id=room.pk, here={bob.pk})

    services.presence_heartbeat(process="p", holding={(room.pk, alice.pk)})

    assert set(Presence.objects.values_list("user_id", flat=True)) == {alice.pk}
    assert _online(room, alice) and not _online(room, bob)


def test_joining_mid_phase_records_the_elapsed_seconds(room, alice, charlie, time_machine):
    time_machine.move_to("2026-01-05 09:00:00Z", tick=False)
    timer_services.timer_command(room=room, by=alice, action="start")
    time_machine.move_to("2026-01-05 09:10:00Z", tick=False)

    participant = services.room_join(room=room, user=charlie)

    assert participant.joined_seq == 1
    assert participant.joined_elapsed_seconds == 600


def test_factory_users_can_be_many(room):
    for _ in range(3):
        services.room_join(room=room, user=UserFactory())

    assert Participant.objects.present().filter(room=room).count() == 5


def test_a_crowded_room_lists_the_first_people_and_counts_the_rest(room, django_assert_num_queries):
    from rooms.queries import PEOPLE_SHOWN, people_in_room

    for user in UserFactory.create_batch(PEOPLE_SHOWN + 3):
        services.room_join(room=room, user=user)

    with django_assert_num_queries(1):
        people = people_in_room(room)

    assert len(people.shown) == PEOPLE_SHOWN
    assert people.count == PEOPLE_SHOWN + 5  # alice, bob and the newcomers
    assert people.more == 5
