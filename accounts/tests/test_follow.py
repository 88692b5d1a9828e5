"""Following: one-way, never oneself, never across a block; told once in the bell."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts import services
from accounts.models import Follow, FollowTold
from accounts.queries import following_ids, is_following
from accounts.tests.factories import UserFactory
from focusmate.events import UserFollowed, UserUnfollowed
from focusmate.lib.ratelimit import RateLimited
from messaging.models import Notification

pytestmark = pytest.mark.django_db


def test_a_follow_is_one_way(alice, bob):
    services.follow_create(follower=alice, followed=bob)

    assert is_following(follower=alice, followed=bob)
    assert not is_following(follower=bob, followed=alice)
    assert list(following_ids(user=alice).values_list("followed_id", flat=True)) == [bob.pk]
    assert not following_ids(user=bob).exists()


def test_following_twice_keeps_one_row_and_announces_once(alice, bob, deliver_at_once, published):
    services.follow_create(follower=alice, followed=bob)
    services.follow_create(follower=alice, followed=bob)

    assert Follow.objects.count() == 1
    assert published == [UserFollowed(follower_id=alice.pk, followed_id=bob.pk, tell=True)]


def test_nobody_follows_themselves(alice):
    with pytest.raises(ValidationError, match="yourself"):
        services.follow_create(follower=alice, followed=alice)
    assert not Follow.objects.exists()


def test_the_database_refuses_a_self_follow_too(alice):
    with pytest.raises(IntegrityError), transaction.atomic():
        Follow.objects.create(follower=alice, followed=alice)


@pytest.mark.parametrize("who_blocks", ["follower", "followed"])
def test_nobody_follows_across_a_block(alice, bob, who_blocks):
    if who_blocks == "follower":
        services.user_block(by=alice, user=bob)
    else:
        services.user_block(by=bob, user=alice)

    with pytest.raises(PermissionDenied):
        services.follow_create(follower=alice, followed=bob)


def test_a_block_removes_the_follows_both_ways(alice, bob, charlie, deliver_at_once, published):
    services.follow_create(follower=alice, followed=bob)
    services.follow_create(follower=bob, followed=alice)
    services.follow_create(follower=charlie, followed=bob)
    published.clear()

    services.user_block(by=bob, user=alice)

    assert list(Follow.objects.values_list("follower__username", "followed__username")) == [
        ("charlie", "bob")
    ]
    assert set(published) == {
        UserUnfollowed(follower_id=alice.pk, followed_id=bob.pk),
        UserUnfollowed(follower_id=bob.pk, followed_id=alice.pk),
    }


def test_unfollow_removes_the_follow_and_says_whether_there_was_one(
    alice, bob, deliver_at_once, published
):
    services.follow_create(follower=alice, followed=bob)

    assert services.follow_delete(follower=alice, followed=bob) is True
    assert services.follow_delete(follower=alice, followed=bob) is False
    assert not Follow.objects.exists()
    assert published[-1] == UserUnfollowed(follower_id=alice.pk, followed_id=bob.pk)


def test_the_followed_person_is_told_once_in_the_bell(alice, bob, deliver_at_once):
    services.follow_create(follower=alice, followed=bob)
    services.follow_delete(follower=alice, followed=bob)
    services.follow_create(follower=alice, followed=bob)

    lines = list(Notification.objects.filter(user=bob).values_list("text", "url"))
    assert lines == [
        (
            "@alice follows you: they see on their home page when you focus.",
            alice.get_absolute_url(),
        )
    ]
    assert not Notification.objects.filter(user=alice).exists()


def test_someone_who_turned_it_off_is_not_told(alice, bob, deliver_at_once):
    bob.notify_on_follow = False
    bob.save()

    services.follow_create(follower=alice, followed=bob)

    assert not Notification.objects.filter(user=bob).exists()
    assert not FollowTold.objects.exists()


def test_following_is_rate_limited(alice):
    people = UserFactory.create_batch(services.FOLLOWS_PER_HOUR_NEW_ACCOUNT + 1)

    for person in people[:-1]:
        services.follow_create(follower=alice, followed=person)
    with pytest.raises(RateLimited):
        services.follow_create(follower=alice, followed=people[-1])


def test_a_banned_person_can_neither_follow_nor_be_followed(alice, bob):
    bob.is_active = False
    bob.save()

    with pytest.raises(PermissionDenied):
        services.follow_create(follower=bob, followed=alice)
    with pytest.raises(ValidationError):
        services.follow_create(follower=alice, followed=bob)


# --- The profile's button --------------------------------------------------------------


def _follow_url(username: str) -> str:
    return reverse("accounts:follow", args=[username])


def test_the_profile_shows_a_follow_button_to_others_only(client, alice, bob):
    client.force_login(alice)

    other = client.get(reverse("accounts:profile", args=["bob"])).content.decode()
    own = client.get(reverse("accounts:profile", args=["alice"])).content.decode()

    assert "Follow @bob" in other
    assert 'id="follow-form"' not in own


def test_the_profile_reads_the_follow_in_the_same_query(
    client, alice, bob, django_assert_num_queries
):
    services.follow_create(follower=alice, followed=bob)
    bob.stats_public = False
    bob.save()
    client.force_login(alice)

    # session, user, the shown user with whether I follow them
    with django_assert_num_queries(3):
        body = client.get(reverse("accounts:profile", args=["bob"])).content.decode()

    assert "unfollow @bob" in body


def test_htmx_follow_answers_the_button(client, alice, bob):
    client.force_login(alice)

    response = client.post(_follow_url("bob"), headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert 'data-following="true"' in response.content.decode()
    assert is_following(follower=alice, followed=bob)

    response = client.post(
        _follow_url("bob"), {"action": "unfollow"}, headers={"HX-Request": "true"}
    )
    assert 'data-following="false"' in response.content.decode()
    assert not is_following(follower=alice, followed=bob)


def test_a_plain_post_goes_back_to_the_profile(client, alice, bob):
    client.force_login(alice)

    response = client.post(_follow_url("bob"))

    assert response.status_code == 302
    assert response.url == bob.get_absolute_url()
    assert is_following(follower=alice, followed=bob)


@pytest.mark.parametrize(
    ("persona", "target", "expected", "follows"),
    [
        ("self", "alice", 400, False),  # refused, as a toast
        ("stranger", "bob", 200, True),
        ("blocked", "bob", 403, False),
        ("anonymous", "bob", 204, False),  # htmx is sent to the login page
        ("stranger", "nobody", 404, False),
    ],
)
def test_follow_persona_matrix(client, alice, bob, persona, target, expected, follows):
    if persona == "blocked":
        services.user_block(by=bob, user=alice)
    if persona != "anonymous":
        client.force_login(alice)

    response = client.post(_follow_url(target), headers={"HX-Request": "true"})

    assert response.status_code == expected
    assert Follow.objects.filter(follower=alice).exists() is follows
    if persona == "anonymous":
        assert reverse("account_login") in str(response.headers)


@pytest.mark.parametrize(
    ("persona", "target", "expected_url"),
    [
        ("self", "alice", "/u/alice/"),
        ("stranger", "bob", "/u/bob/"),
        ("blocked", "bob", "/u/bob/"),
        ("anonymous", "bob", "/accounts/login/"),
    ],
)
def test_unfollow_persona_matrix(client, alice, bob, charlie, persona, target, expected_url):
    """Alice unfollows: her own follow goes (if any); nobody else's is touched."""
    services.follow_create(follower=alice, followed=bob)
    services.follow_create(follower=charlie, followed=bob)
    services.follow_create(follower=bob, followed=alice)
    if persona == "blocked":
        services.user_block(by=bob, user=alice)  # which already ended both follows
    if persona != "anonymous":
        client.force_login(alice)

    response = client.post(_follow_url(target), {"action": "unfollow"})

    assert response.status_code == 302
    assert response.url.startswith(expected_url)
    still = set(Follow.objects.values_list("follower__username", "followed__username"))
    expected = {("charlie", "bob")}
    if persona in ("self", "anonymous"):
        expected.add(("alice", "bob"))
    if persona != "blocked":
        expected.add(("bob", "alice"))
    assert still == expected


def test_a_follow_of_a_get_is_refused(client, alice, bob):
    client.force_login(alice)

    assert client.get(_follow_url("bob")).status_code == 405
    assert not Follow.objects.exists()


def test_a_follow_without_the_csrf_token_is_refused(alice, bob):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)

    assert client.post(_follow_url("bob")).status_code == 403
    assert not Follow.objects.exists()


# --- The settings ------------------------------------------------------------------------


def test_the_profile_page_saves_the_follow_settings(client, alice):
    client.force_login(alice)

    page = client.get(reverse("accounts:profile_edit")).content.decode()
    response = client.post(
        reverse("accounts:profile_edit"),
        {"timezone": "UTC", "focus_visibility": "follow_back", "stats_public": "on"},
    )

    assert 'name="focus_visibility"' in page
    assert 'name="notify_on_follow"' in page
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.focus_visibility == "follow_back"
    assert alice.notify_on_follow is False  # an unticked box


def test_a_bad_privacy_value_is_a_form_error(client, alice):
    client.force_login(alice)

    response = client.post(
        reverse("accounts:profile_edit"), {"timezone": "UTC", "focus_visibility": "spies"}
    )

    assert response.status_code == 422
    alice.refresh_from_db()
    assert alice.focus_visibility == "everyone"


def test_only_oneself_changes_ones_privacy(alice, bob):
    with pytest.raises(PermissionDenied):
        services.profile_update(
            user=alice,
            by=bob,
            bio="",
            timezone="UTC",
            stats_public=True,
            on_leaderboard=False,
            focus_visibility="nobody",
        )
    alice.refresh_from_db()
    assert alice.focus_visibility == "everyone"
