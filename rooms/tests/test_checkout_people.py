"""The people list shows each person's goal, and a ✓ for those who finished the work
phase that just ended, when they show their check-outs to the room."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from rooms import services
from rooms.queries import people_in_room
from rooms.rendering import render_participants
from rooms.tests.helpers import T0
from stats import services as stats_services
from timers import services as timer_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_break(alice, bob, charlie, time_machine):
    """Alice, Bob and Charlie worked through phase 1 of Alice's room; the break (2) runs."""
    time_machine.move_to(T0, tick=False)
    room = services.room_create(owner=alice, name="Thesis writing", work_minutes=25)
    for person in (bob, charlie):
        services.room_join(room=room, user=person)
    services.participant_set_intention(room=room, user=bob, intention="Fix <i>bug</i>")
    timer_services.timer_command(room=room, by=alice, action="start", now=T0)
    timer_services.timers_advance_due(now=T0 + timedelta(minutes=26))
    return room


def test_only_people_who_show_their_check_outs_carry_a_tick(in_break, alice, bob, charlie):
    bob.show_checkouts = charlie.show_checkouts = True
    bob.save()
    charlie.save()
    for person, outcome in ((alice, "done"), (bob, "done"), (charlie, "partly")):
        stats_services.phase_check_out(by=person, room_id=in_break.pk, seq=1, outcome=outcome)

    marks = {p.user.username: p.done_seq for p in people_in_room(in_break).shown}

    assert marks == {"alice": None, "bob": 1, "charlie": None}  # private; shown; not done


def test_the_list_shows_goals_escaped_and_the_tick_for_the_break_after_the_phase(in_break, bob):
    bob.show_checkouts = True
    bob.save()
    stats_services.phase_check_out(by=bob, room_id=in_break.pk, seq=1, outcome="done")

    html = render_participants(in_break)

    assert "Fix &lt;i&gt;bug&lt;/i&gt;" in html
    # Hidden until the page's script sees the timer in break 2 (static/js/checkout.js).
    assert html.count('class="checked-out" data-break-seq="2" hidden') == 1


def test_members_get_the_check_out_slot_and_visitors_do_not(in_break, alice, moderator):
    member, visitor = Client(), Client()
    member.force_login(alice)
    visitor.force_login(moderator)

    member_page = member.get(in_break.get_absolute_url()).content.decode()
    visitor_page = visitor.get(in_break.get_absolute_url()).content.decode()

    assert f'data-checkout-url="/stats/checkout/{in_break.pk}/0/"' in member_page
    assert "js/checkout.js" in member_page
    assert 'id="checkout"' not in visitor_page
