"""A private room's owner removes a member: the service, the settings page's button and the
admin's action, all through `room_member_remove` (which publishes RoomLeft)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from focusmate.events import RoomLeft
from rooms import services
from rooms.models import Participant

pytestmark = pytest.mark.django_db


@pytest.fixture
def club(alice, bob):
    """Alice's private room; Bob joined with its invite link, Charlie has no access."""
    room = services.room_create(owner=alice, name="Night club", is_public=False)
    services.room_join(room=room, user=bob, token=room.invite_token)
    return room


def _present(room, user) -> bool:
    return Participant.objects.present().filter(room=room, user=user).exists()


def test_the_owner_removes_a_member_and_the_room_hears_it_left(
    club, alice, bob, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.room_member_remove(room=club, member=bob, by=alice)

    assert not _present(club, bob)
    assert published == [RoomLeft(room_id=club.pk, user_id=bob.pk)]


@pytest.mark.parametrize("who", ["bob", "charlie", "moderator"])
def test_only_the_owner_removes(club, bob, request, who, published):
    with pytest.raises(PermissionDenied):
        services.room_member_remove(room=club, member=bob, by=request.getfixturevalue(who))

    assert _present(club, bob)
    assert published == []


def test_a_public_room_s_member_is_not_removed(room, alice, bob):
    with pytest.raises(ValidationError, match="Anyone may join a public room"):
        services.room_member_remove(room=room, member=bob, by=alice)

    assert _present(room, bob)


def test_the_owner_can_t_remove_themselves_or_someone_not_in(club, alice, charlie):
    with pytest.raises(ValidationError, match="close it instead"):
        services.room_member_remove(room=club, member=alice, by=alice)
    with pytest.raises(ValidationError, match="isn't in this room"):
        services.room_member_remove(room=club, member=charlie, by=alice)


def test_the_settings_page_lists_members_and_removes_one(
    client, club, alice, bob, django_assert_num_queries
):
    client.force_login(alice)
    url = reverse("rooms:edit", args=[club.pk])

    # The session, the user, the room with Alice's membership, the members.
    with django_assert_num_queries(4):
        page = client.get(url)
    response = client.post(reverse("rooms:remove_member", args=[club.pk, bob.pk]))

    assert 'aria-label="Remove bob"' in page.content.decode()
    assert response.status_code == 302 and response["Location"] == url
    assert not _present(club, bob)


@pytest.mark.parametrize("who, status", [("bob", 403), ("charlie", 404)])
def test_only_the_owner_s_page_removes(client, club, bob, request, who, status):
    client.force_login(request.getfixturevalue(who))

    response = client.post(reverse("rooms:remove_member", args=[club.pk, bob.pk]))

    assert response.status_code == status
    assert _present(club, bob)


def test_moderators_remove_a_member_from_the_admin(client, moderator, club, bob):
    client.force_login(moderator)
    membership = Participant.objects.get(room=club, user=bob)

    response = client.post(
        reverse("admin:rooms_participant_changelist"),
        {"action": "remove_from_private_rooms", "_selected_action": [membership.pk]},
    )

    assert response.status_code == 302
    assert not _present(club, bob)


def test_the_admin_form_can_t_end_a_membership_by_hand(client, moderator, club, bob):
    client.force_login(moderator)
    membership = Participant.objects.get(room=club, user=bob)

    page = client.get(reverse("admin:rooms_participant_change", args=[membership.pk]))

    assert page.status_code == 200
    assert 'name="left_at' not in page.content.decode()
