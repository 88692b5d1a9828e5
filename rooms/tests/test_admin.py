from __future__ import annotations

import pytest
from django.urls import reverse

from rooms.models import Room

pytestmark = pytest.mark.django_db


def test_moderators_list_rooms_with_their_head_count(client, moderator, room):
    client.force_login(moderator)

    response = client.get(reverse("admin:rooms_room_changelist"), {"q": "Thesis"})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [room]
    assert response.context["cl"].result_list[0].present_count == 2


def test_moderators_close_rooms_from_the_admin(client, moderator, room):
    client.force_login(moderator)

    response = client.post(
        reverse("admin:rooms_room_changelist"),
        {"action": "close_rooms", "_selected_action": [room.pk]},
    )

    assert response.status_code == 302
    assert not Room.objects.get(pk=room.pk).is_active


def test_the_timer_admin_is_read_only(client, moderator, room):
    client.force_login(moderator)

    page = client.get(reverse("admin:timers_timer_change", args=[room.pk]))
    post = client.post(reverse("admin:timers_timer_change", args=[room.pk]), {"status": "running"})

    assert page.status_code == 200
    assert 'name="status"' not in page.content.decode()
    assert post.status_code == 403
