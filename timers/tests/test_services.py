from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from rooms import services as room_services
from rooms.models import Room
from stats.models import SessionHistory
from timers import services
from timers.models import Timer

pytestmark = pytest.mark.django_db

T0 = datetime.fromisoformat("2026-01-05T09:00:00+00:00")


@pytest.fixture(autouse=True)
def _before_t0(time_machine):
    # Rooms and memberships are made an hour before the timers in these tests start.
    time_machine.move_to(T0 - timedelta(hours=1), tick=False)


def _timer(room: Room) -> Timer:
    return Timer.objects.get(room=room)


def test_a_member_starts_the_timer(room, bob):
    timer = services.timer_command(room=room, by=bob, action="start", now=T0)

    assert timer.status == "running"
    assert timer.ends_at == T0 + timedelta(minutes=25)
    assert timer.version == 1
    assert _timer(room).status == "running"


def test_an_outsider_cannot_control_the_timer(room, charlie):
    with pytest.raises(PermissionDenied, match="Join the room"):
        services.timer_command(room=room, by=charlie, action="start", now=T0)

    assert _timer(room).status == "idle"


def test_only_the_owner_controls_an_owner_only_timer(room, alice, bob):
    room_services.room_update(room=room, by=alice, control=Room.Control.OWNER)

    with pytest.raises(PermissionDenied, match="Only the room's owner"):
        services.timer_command(room=room, by=bob, action="start", now=T0)
    timer = services.timer_command(room=room, by=alice, action="start", now=T0)

    assert timer.status == "running"


def test_a_member_who_left_cannot_control_the_timer(room, bob):
    room_services.room_leave(room=room, user=bob)

    with pytest.raises(PermissionDenied):
        services.timer_command(room=room, by=bob, action="start", now=T0)


@pytest.mark.parametrize(
    ("setup", "action"),
    [
        ([], "pause"),
        ([], "resume"),
        (["start"], "start"),
        (["start"], "resume"),
        (["start", "pause"], "start"),
    ],
)
def test_an_illegal_command_is_refused_without_change(room, bob, setup, action):
    for step in setup:
        services.timer_command(room=room, by=bob, action=step, now=T0)
    before = _timer(room)

    with pytest.raises(ValidationError):
        services.timer_command(room=room, by=bob, action=action, now=T0 + timedelta(seconds=5))

    after = _timer(room)
    assert (after.status, after.ends_at, after.remaining_seconds, after.version) == (
        before.status,
        before.ends_at,
        before.remaining_seconds,
        before.version,
    )


def test_an_unknown_action_is_refused(room, bob):
    with pytest.raises(ValidationError, match="not a timer action"):
        services.timer_command(room=room, by=bob, action="explode", now=T0)


def test_pause_and_resume_keep_the_remaining_time(room, bob):
    services.timer_command(room=room, by=bob, action="start", now=T0)
    paused = services.timer_command(
        room=room, by=bob, action="pause", now=T0 + timedelta(minutes=10)
    )
    resumed = services.timer_command(
        room=room, by=bob, action="resume", now=T0 + timedelta(hours=2)
    )

    assert paused.remaining_seconds == 15 * 60
    assert resumed.ends_at == T0 + timedelta(hours=2, minutes=15)
    assert not SessionHistory.objects.exists()


def test_a_completed_work_phase_writes_one_row_per_present_participant(room, alice, bob, charlie):
    services.timer_command(room=room, by=bob, action="start", now=T0)

    services.timers_advance_due(now=T0 + timedelta(minutes=25, seconds=3))

    rows = SessionHistory.objects.order_by("user__username")
    assert [(r.user.username, r.kind, r.seq, r.seconds_credited) for r in rows] == [
        ("alice", "work", 1, 1500),
        ("bob", "work", 1, 1500),
    ]
    # the deadline, not the moment it was processed
    assert {r.ended_at for r in rows} == {T0 + timedelta(minutes=25)}
    assert {r.started_at for r in rows} == {T0}
    timer = _timer(room)
    assert (timer.status, timer.phase, timer.seq, timer.cycle) == ("running", "short_break", 2, 1)


def test_a_late_joiner_is_credited_only_for_the_time_they_were_there(
    room, bob, charlie, time_machine
):
    time_machine.move_to(T0, tick=False)
    services.timer_command(room=room, by=bob, action="start")
    time_machine.move_to(T0 + timedelta(minutes=15), tick=False)
    room_services.room_join(room=room, user=charlie)

    services.timers_advance_due(now=T0 + timedelta(minutes=26))

    assert SessionHistory.objects.get(user=charlie).seconds_credited == 600
    assert SessionHistory.objects.get(user=bob).seconds_credited == 1500


def test_someone_who_joined_after_the_deadline_gets_no_row_for_that_phase(
    room, bob, charlie, time_machine
):
    time_machine.move_to(T0, tick=False)
    services.timer_command(room=room, by=bob, action="start")
    # The server was down over the deadline; charlie joins before it catches up.
    time_machine.move_to(T0 + timedelta(minutes=27), tick=False)
    room_services.room_join(room=room, user=charlie)

    services.timers_advance_due()

    assert not SessionHistory.objects.filter(user=charlie).exists()
    assert SessionHistory.objects.filter(user=bob).count() == 1


def test_catch_up_after_three_missed_phases_writes_exactly_three_rows_each(alice, bob):
    room = room_services.room_create(
        owner=alice, name="Marathon", work_minutes=25, short_break_minutes=5, auto_start_work=True
    )
    room_services.room_join(room=room, user=bob)
    services.timer_command(room=room, by=alice, action="start", now=T0)

    # work 25 + break 5 + work 25 = 55 minutes; the server comes back at minute 57
    services.timers_advance_due(now=T0 + timedelta(minutes=57))
    services.timers_advance_due(now=T0 + timedelta(minutes=57, seconds=1))

    for user in (alice, bob):
        rows = SessionHistory.objects.filter(user=user).order_by("seq")
        assert [(r.kind, r.seq, r.ended_at) for r in rows] == [
            ("work", 1, T0 + timedelta(minutes=25)),
            ("short_break", 2, T0 + timedelta(minutes=30)),
            ("work", 3, T0 + timedelta(minutes=55)),
        ]
    timer = _timer(room)
    assert timer.phase == "short_break"
    assert timer.ends_at == T0 + timedelta(minutes=60)


def test_recording_twice_is_idempotent(room, bob):
    services.timer_command(room=room, by=bob, action="start", now=T0)
    timer = _timer(room)
    stale = timer.state  # a second scheduler that read the row before the first one wrote

    services.timers_advance_due(now=T0 + timedelta(minutes=26))
    timer.apply(stale)
    services._catch_up(timer, T0 + timedelta(minutes=26))

    assert SessionHistory.objects.count() == 2


def test_a_command_catches_up_before_it_applies(room, bob):
    services.timer_command(room=room, by=bob, action="start", now=T0)

    timer = services.timer_command(
        room=room, by=bob, action="pause", now=T0 + timedelta(minutes=27)
    )

    assert timer.phase == "short_break"
    assert timer.remaining_seconds == 3 * 60
    assert SessionHistory.objects.filter(kind="work").count() == 2


def test_skip_counts_nothing(room, bob):
    services.timer_command(room=room, by=bob, action="start", now=T0)

    timer = services.timer_command(room=room, by=bob, action="skip", now=T0 + timedelta(minutes=20))

    assert timer.phase == "short_break"
    assert timer.cycle == 0
    assert not SessionHistory.objects.exists()


def test_reset_goes_back_to_an_idle_work_phase(room, bob):
    services.timer_command(room=room, by=bob, action="start", now=T0)
    services.timers_advance_due(now=T0 + timedelta(minutes=26))

    timer = services.timer_command(
        room=room, by=bob, action="reset", now=T0 + timedelta(minutes=27)
    )

    assert (timer.status, timer.phase, timer.cycle, timer.ends_at) == ("idle", "work", 0, None)


def test_timer_commands_are_rate_limited(room, bob):
    from focusmate.lib.ratelimit import RateLimited

    with pytest.raises(RateLimited):
        for number in range(30):
            action = "start" if number % 2 == 0 else "reset"
            services.timer_command(room=room, by=bob, action=action, now=T0)


def test_next_deadline_is_the_earliest_running_one(room, private_room, alice, bob):
    services.timer_command(room=room, by=bob, action="start", now=T0)
    services.timer_command(
        room=private_room, by=alice, action="start", now=T0 - timedelta(minutes=1)
    )

    assert services.next_deadline() == T0 + timedelta(minutes=24)


def test_a_closed_rooms_timer_stops(room, alice, bob):
    services.timer_command(room=room, by=bob, action="start", now=T0)

    room_services.room_close(room=room, by=alice)

    assert _timer(room).status == "idle"
    assert services.timers_advance_due(now=T0 + timedelta(hours=1)) == 0


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(0, "00:00"), (59, "00:59"), (1500, "25:00"), (3600, "1:00:00"), (5400, "1:30:00")],
)
def test_the_clock_is_rendered_like_the_browser_shows_it(seconds, shown):
    from timers.rendering import format_clock

    assert format_clock(seconds) == shown


def _class_of_rooms(owner, count: int) -> list[Room]:
    """Rooms of different lengths and places in their cycle, all started at T0."""
    rooms = []
    for number in range(count):
        room = room_services.room_create(
            owner=owner, name=f"Class {number}", work_minutes=20 + number, long_break_every=2
        )
        services.timer_command(room=room, by=owner, action="start", now=T0)
        rooms.append(room)
    return rooms


def test_one_pass_saves_each_of_many_timers_its_own_state(alice):
    rooms = _class_of_rooms(alice, 4)
    Timer.objects.filter(room=rooms[1]).update(cycle=1)  # its break is the long one

    advanced = services.timers_advance_due(now=T0 + timedelta(minutes=22, seconds=30))

    assert advanced == 3  # 20, 21 and 22 minutes have passed; 23 has not
    got = {
        t.room_id: (t.status, t.phase, t.seq, t.cycle, t.ends_at, t.version)
        for t in Timer.objects.all()
    }
    assert got == {
        rooms[0].pk: ("running", "short_break", 2, 1, T0 + timedelta(minutes=25), 2),
        rooms[1].pk: ("running", "long_break", 2, 2, T0 + timedelta(minutes=36), 2),
        rooms[2].pk: ("running", "short_break", 2, 1, T0 + timedelta(minutes=27), 2),
        rooms[3].pk: ("running", "work", 1, 0, T0 + timedelta(minutes=23), 1),
    }
    assert sorted(SessionHistory.objects.values_list("room_id", "seq", "ended_at")) == [
        (rooms[0].pk, 1, T0 + timedelta(minutes=20)),
        (rooms[1].pk, 1, T0 + timedelta(minutes=21)),
        (rooms[2].pk, 1, T0 + timedelta(minutes=22)),
    ]


@pytest.mark.parametrize("count", [1, 8])  # room_create allows 10 an hour
def test_a_pass_costs_the_same_statements_however_many_timers_are_due(
    alice, count, django_assert_num_queries
):
    _class_of_rooms(alice, count)

    # The claim, one update, who is present, one insert of history (and the test's
    # transaction makes the pass's a savepoint: two statements more).
    with django_assert_num_queries(6):
        advanced = services.timers_advance_due(now=T0 + timedelta(hours=1))

    assert advanced == count


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("push_batch", [1, 100])
def test_a_pass_pushes_each_room_after_its_commit(alice, monkeypatch, push_batch):
    from django.db import connection

    from focusmate.lib import broadcast

    monkeypatch.setattr(services, "PUSH_BATCH", push_batch)
    rooms = _class_of_rooms(alice, 3)
    sent: list[tuple[str, bool, int]] = []

    def record(messages):
        for group, payload in messages:
            if payload["type"] == "timer.changed":
                room_id = payload["data"]["room_id"]
                # Visible to anyone by now: the transaction has committed.
                sent.append((group, connection.in_atomic_block, _timer(Room(pk=room_id)).seq))

    monkeypatch.setattr(broadcast, "_send_all", record)

    services.timers_advance_due(now=T0 + timedelta(minutes=24))

    assert sorted(sent) == sorted((f"room.{room.pk}", False, 2) for room in rooms)
