"""Every room URL sends an anonymous visitor to the login page and changes nothing."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.urls import reverse

from rooms.models import Participant, Room
from timers.models import Timer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]

LOGIN = reverse("account_login")


def _urls(room: Room) -> dict[str, str]:
    by_id = {"room_id": room.pk}
    return {
        "list": reverse("rooms:list"),
        "create": reverse("rooms:create"),
        "solo": reverse("rooms:solo"),
        "invite": reverse("rooms:invite", kwargs={"token": room.invite_token}),
        "detail": reverse("rooms:detail", kwargs=by_id),
        "edit": reverse("rooms:edit", kwargs=by_id),
        "close": reverse("rooms:close", kwargs=by_id),
        "regenerate_invite": reverse("rooms:regenerate_invite", kwargs=by_id),
        "join": reverse("rooms:join", kwargs=by_id),
        "leave": reverse("rooms:leave", kwargs=by_id),
        "intention": reverse("rooms:intention", kwargs=by_id),
        "timer": reverse("rooms:timer", kwargs=by_id),
        "remove_member": reverse("rooms:remove_member", kwargs={**by_id, "user_id": 1}),
    }


def test_the_list_covers_every_url_in_rooms_urls():
    from rooms.urls import urlpatterns

    room = Room(pk=1, invite_token="x")

    assert set(_urls(room)) == {pattern.name for pattern in urlpatterns}


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize(
    "name",
    [
        "list",
        "create",
        "solo",
        "invite",
        "detail",
        "edit",
        "close",
        "regenerate_invite",
        "join",
        "leave",
        "intention",
        "timer",
        "remove_member",
    ],
)
def test_anonymous_visitors_are_sent_to_log_in(client, private_room, method, name):
    url = _urls(private_room)[name]
    data = {"name": "Hijack", "action": "start", "intention": "x", "work_minutes": 25}

    response = getattr(client, method)(url, data if method == "post" else None)

    assert response.status_code == 302
    assert response.url == f"{LOGIN}?next={quote(url)}"
    assert Room.objects.count() == 1
    private_room.refresh_from_db()
    assert private_room.is_active
    assert Participant.objects.count() == 1
    assert Timer.objects.get(room=private_room).status == "idle"


def test_an_anonymous_htmx_request_is_not_given_a_fragment(client, room):
    response = client.post(
        reverse("rooms:timer", kwargs={"room_id": room.pk}),
        {"action": "start"},
        headers={"HX-Request": "true"},
    )

    # HTMX would swap a followed redirect into #timer: the browser is told to navigate.
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(LOGIN)
    assert Timer.objects.get(room=room).status == "idle"
