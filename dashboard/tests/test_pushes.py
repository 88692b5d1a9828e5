"""What events push to open dashboards, and what a push costs."""

from __future__ import annotations

import pytest

from accounts import services as account_services
from accounts.models import FocusVisibility
from accounts.tests.factories import UserFactory
from dashboard import subscriptions, watching
from dashboard.groups import ALL_DASHBOARDS, dashboard_group
from dashboard.tests.conftest import focusing
from focusmate.lib import broadcast
from rooms import services as room_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch):
    """(group, html) of every push, sent at once after each commit."""
    pushes: list[tuple[str, str]] = []
    monkeypatch.setattr(
        broadcast,
        "send_now",
        lambda group, message: pushes.append((group, message.get("html", ""))),
    )
    return pushes


def _to(sent, user) -> list[str]:
    return [html for group, html in sent if group == dashboard_group(user.pk)]


def test_a_followed_person_starting_is_pushed_to_their_followers_open_dashboards(
    alice, bob, charlie, bobs_room, sent, deliver_at_once
):
    account_services.follow_create(follower=alice, followed=bob)
    account_services.follow_create(follower=charlie, followed=bob)
    watching.mark(user_id=alice.pk)  # charlie has no dashboard open
    sent.clear()

    focusing(bob, bobs_room)

    assert 'data-user="bob"' in _to(sent, alice)[-1]
    assert 'hx-swap-oob="true"' in _to(sent, alice)[-1]
    assert _to(sent, charlie) == []
    assert any(
        group == ALL_DASHBOARDS and "Bob&#x27;s &lt;desk&gt;" in html for group, html in sent
    )


@pytest.mark.parametrize(
    ("visibility", "follows_back", "shown"),
    [
        (FocusVisibility.EVERYONE, False, True),
        (FocusVisibility.FOLLOW_BACK, False, False),
        (FocusVisibility.FOLLOW_BACK, True, True),
        (FocusVisibility.NOBODY, True, False),
    ],
)
def test_pushes_keep_the_privacy_rule(
    alice, bob, bobs_room, sent, deliver_at_once, visibility, follows_back, shown
):
    account_services.follow_create(follower=alice, followed=bob)
    if follows_back:
        account_services.follow_create(follower=bob, followed=alice)
    bob.focus_visibility = visibility
    bob.save()
    watching.mark(user_id=alice.pk)
    sent.clear()

    focusing(bob, bobs_room)

    panels = _to(sent, alice)
    assert panels
    # Coming online is pushed too (not focusing yet); the start's push decides.
    assert ('data-user="bob"' in panels[-1]) is shown
    if not shown:
        assert not any('data-user="bob"' in html for html in panels)


def test_turning_privacy_to_nobody_takes_me_off_open_panels(
    alice, bob, bobs_room, sent, deliver_at_once
):
    account_services.follow_create(follower=alice, followed=bob)
    watching.mark(user_id=alice.pk)
    focusing(bob, bobs_room)
    sent.clear()

    account_services.profile_update(
        user=bob,
        by=bob,
        bio="",
        timezone="UTC",
        stats_public=True,
        on_leaderboard=False,
        focus_visibility=FocusVisibility.NOBODY,
    )

    [html] = _to(sent, alice)
    assert 'data-user="bob"' not in html


def test_following_back_shows_me_to_someone_i_allowed(alice, bob, bobs_room, sent, deliver_at_once):
    account_services.follow_create(follower=alice, followed=bob)
    bob.focus_visibility = FocusVisibility.FOLLOW_BACK
    bob.save()
    watching.mark(user_id=alice.pk)
    focusing(bob, bobs_room)
    assert 'data-user="bob"' not in _to(sent, alice)[-1]

    account_services.follow_create(follower=bob, followed=alice)

    assert 'data-user="bob"' in _to(sent, alice)[-1]


def test_a_block_takes_them_off_the_panel_at_once(alice, bob, bobs_room, sent, deliver_at_once):
    account_services.follow_create(follower=alice, followed=bob)
    watching.mark(user_id=alice.pk)
    focusing(bob, bobs_room)
    assert 'data-user="bob"' in _to(sent, alice)[-1]

    account_services.user_block(by=bob, user=alice)

    assert 'data-user="bob"' not in _to(sent, alice)[-1]


def test_leaving_the_room_takes_them_off(alice, bob, bobs_room, charlie, sent, deliver_at_once):
    account_services.follow_create(follower=alice, followed=charlie)
    watching.mark(user_id=alice.pk)
    focusing(charlie, bobs_room)
    assert 'data-user="charlie"' in _to(sent, alice)[-1]

    room_services.room_leave(room=bobs_room, user=charlie)

    assert 'data-user="charlie"' not in _to(sent, alice)[-1]


def test_my_goal_is_pushed_to_my_own_dashboard(alice, bobs_room, sent, deliver_at_once):
    watching.mark(user_id=alice.pk)
    room_services.room_join(room=bobs_room, user=alice)
    sent.clear()

    room_services.participant_set_intention(room=bobs_room, user=alice, intention="Chapter 4")

    assert any('id="dashboard-today"' in html and "Chapter 4" in html for html in _to(sent, alice))


@pytest.mark.parametrize("followers", [1, 12])
def test_a_push_costs_a_fixed_number_of_queries(
    bob, bobs_room, sent, followers, django_assert_num_queries
):
    """One person starts: every open dashboard of their followers is redrawn in four
    queries whatever their number (who follows, then the panels' three)."""
    people = UserFactory.create_batch(followers)
    for person in people:
        account_services.follow_create(follower=person, followed=bob)
        watching.mark(user_id=person.pk)
    focusing(bob, bobs_room)
    sent.clear()

    with django_assert_num_queries(4):
        subscriptions.push_following(people=[bob.pk])

    assert len(sent) == followers
    assert all('data-user="bob"' in html for _, html in sent)


@pytest.mark.parametrize("followers", [1, 12])
def test_a_timer_event_costs_a_fixed_number_of_queries(
    bob, bobs_room, sent, followers, django_assert_num_queries
):
    people = UserFactory.create_batch(followers)
    for person in people:
        account_services.follow_create(follower=person, followed=bob)
        watching.mark(user_id=person.pk)
    focusing(bob, bobs_room)
    sent.clear()
    from focusmate.events import TimerChanged

    event = TimerChanged(
        room_id=bobs_room.pk, version=0, state=None, settings=None
    )  # only the room's id is read

    # the followers with the room's people as a subquery, the panels' three, live rooms
    with django_assert_num_queries(5):
        subscriptions.room_changed(event)

    assert len(sent) == followers + 1
