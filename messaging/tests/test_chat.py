"""Room chat: who may read and write, the breaks-only setting on the page and in the
service, older lines and catching up, reports, and hostile text."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from focusmate.events import ChatMessagePosted
from messaging import services
from messaging.models import ChatMessage
from moderation.models import Report
from moderation.services import moderation_hide
from rooms import services as room_services
from rooms.models import Room
from tests.xss import XSS_PAYLOADS, assert_inert
from timers import services as timer_services

pytestmark = pytest.mark.django_db


def _breaks_only(room: Room) -> Room:
    return room_services.room_update(room=room, by=room.owner, chat_during_work="breaks_only")


def _ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<article id="chat-(\d+)"', html)]


class TestService:
    def test_a_present_member_posts_and_it_is_published(self, room, bob, events):
        line = services.chat_post(room=room, by=bob, body="hello room")
        assert events[-1] == ChatMessagePosted(room_id=room.pk, chat_message_id=line.pk)

    def test_an_outsider_or_a_member_who_left_cannot_post(self, room, bob, charlie):
        with pytest.raises(PermissionDenied):
            services.chat_post(room=room, by=charlie, body="let me in")
        room_services.room_leave(room=room, user=bob)
        with pytest.raises(PermissionDenied):
            services.chat_post(room=room, by=bob, body="still here?")
        assert not ChatMessage.objects.exists()

    def test_breaks_only_refuses_during_work_and_allows_in_a_break(self, room, alice, bob):
        room = _breaks_only(room)
        services.chat_post(room=room, by=bob, body="idle timer: fine")
        timer_services.timer_command(room=room, by=alice, action="start")
        with pytest.raises(ValidationError, match="next break"):
            services.chat_post(room=room, by=bob, body="during work")

        timer_services.timer_command(room=room, by=alice, action="skip")  # to the break
        services.chat_post(room=room, by=bob, body="break time")

        assert list(ChatMessage.objects.values_list("body", flat=True)) == [
            "idle timer: fine",
            "break time",
        ]

    def test_allowed_mode_chats_during_work(self, room, alice, bob):
        timer_services.timer_command(room=room, by=alice, action="start")
        assert services.chat_post(room=room, by=bob, body="working and chatting")

    def test_a_closed_room_refuses(self, room, alice, bob):
        room_services.room_close(room=room, by=alice)
        with pytest.raises(ValidationError):
            services.chat_post(room=room, by=bob, body="anyone?")


class TestPage:
    def test_members_see_the_last_50_lines_and_outsiders_see_no_chat(
        self, client, room, alice, bob, charlie
    ):
        lines = ChatMessage.objects.bulk_create(
            [ChatMessage(room=room, sender=alice, body=f"line {n}") for n in range(60)]
        )
        client.force_login(bob)
        body = client.get(room.get_absolute_url()).content.decode()
        assert _ids(body) == [line.pk for line in lines[10:]]
        assert f"before={lines[10].pk}" in body

        client.force_login(charlie)  # a public room: he may look, but the chat is members'
        body = client.get(room.get_absolute_url()).content.decode()
        assert 'data-testid="room-chat"' not in body
        assert client.get(reverse("messaging:chat_lines", args=[room.pk])).status_code == 404

    def test_an_outsider_gets_404_on_every_chat_url_of_a_private_room(
        self, client, private_room, alice, charlie
    ):
        line = services.chat_post(room=private_room, by=alice, body="members only")
        client.force_login(charlie)
        for method, url in (
            ("get", reverse("messaging:chat_lines", args=[private_room.pk])),
            ("get", reverse("messaging:chat_lines", args=[private_room.pk]) + "?after=0"),
            ("post", reverse("messaging:chat_send", args=[private_room.pk])),
            ("get", reverse("messaging:chat_report", args=[line.pk])),
            ("post", reverse("messaging:chat_report", args=[line.pk])),
            ("get", reverse("messaging:chat_context", args=[line.pk])),
        ):
            response = getattr(client, method)(url, {"chat": "hi", "reason": "spam"})
            assert response.status_code == 404, url
            assert b"members only" not in response.content
        assert ChatMessage.objects.count() == 1 and not Report.objects.exists()

    def test_older_lines_and_lines_after_an_id(self, client, room, alice, bob):
        lines = ChatMessage.objects.bulk_create(
            [ChatMessage(room=room, sender=alice, body=f"line {n}") for n in range(60)]
        )
        client.force_login(bob)
        url = reverse("messaging:chat_lines", args=[room.pk])

        older = client.get(url, {"before": lines[10].pk}).content.decode()
        after = client.get(url, {"after": lines[57].pk})

        assert _ids(older) == [line.pk for line in lines[:10]]
        assert "Older messages" not in older
        assert _ids(after.content.decode()) == [lines[58].pk, lines[59].pk]

    def test_breaks_only_disables_the_box_with_a_reason_during_work(self, client, room, alice, bob):
        room = _breaks_only(room)
        client.force_login(bob)
        body = client.get(room.get_absolute_url()).content.decode()
        assert re.search(r'<fieldset id="chat-box-\d+" class="chat-box" [^>]*>', body)
        assert "disabled" not in re.search(r"<fieldset[^>]*>", body).group(0)

        timer_services.timer_command(room=room, by=alice, action="start")
        body = client.get(room.get_absolute_url()).content.decode()

        assert "disabled" in re.search(r"<fieldset[^>]*>", body).group(0)
        assert 'data-testid="chat-closed"' in body and "next break" in body

    def test_the_fallback_post_sends_and_refusals_come_back_as_messages(
        self, client, room, alice, bob
    ):
        client.force_login(bob)
        url = reverse("messaging:chat_send", args=[room.pk])
        assert client.post(url, {"chat": "no socket"}).status_code == 302
        _breaks_only(room)
        timer_services.timer_command(room=room, by=alice, action="start")
        response = client.post(url, {"chat": "during work"}, HTTP_HX_REQUEST="true")
        assert response.status_code == 400 and "next break" in response.content.decode()
        assert list(ChatMessage.objects.values_list("body", flat=True)) == ["no socket"]

    def test_the_owner_chooses_the_setting_in_the_room_form(self, client, room, alice):
        client.force_login(alice)
        form = client.get(reverse("rooms:edit", args=[room.pk])).content.decode()
        assert 'name="chat_during_work"' in form


class TestModeration:
    def test_a_report_shows_moderators_the_line_and_its_neighbours(
        self, client, room, alice, bob, moderator
    ):
        lines = ChatMessage.objects.bulk_create(
            [ChatMessage(room=room, sender=alice, body=f"line {n}") for n in range(12)]
        )
        client.force_login(bob)
        url = reverse("messaging:chat_report", args=[lines[6].pk])
        assert client.post(url, {"reason": "spam"}).status_code == 302
        assert Report.objects.get().target == lines[6]

        context_url = reverse("messaging:chat_context", args=[lines[6].pk])
        assert client.get(context_url).status_code == 404
        client.force_login(moderator)
        body = client.get(context_url).content.decode()
        assert [int(i) for i in re.findall(r'data-id="(\d+)"', body)] == [
            line.pk for line in lines[3:10]
        ]

    def test_a_hidden_line_shows_as_hidden(self, client, room, alice, bob, moderator):
        line = services.chat_post(room=room, by=alice, body="spam spam")
        moderation_hide(by=moderator, target=line)
        client.force_login(bob)
        body = client.get(room.get_absolute_url()).content.decode()
        assert "hidden by a moderator" in body and "spam spam" not in body


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_hostile_chat_is_inert(client, room, alice, bob, moderator, payload):
    line = services.chat_post(room=room, by=alice, body=payload)
    client.force_login(bob)
    room_page = client.get(room.get_absolute_url()).content.decode()
    start = room_page.index('<section class="chat card"')
    pages = [
        room_page[start : room_page.index("</section>", start)],  # the timer draws an svg
        client.get(reverse("messaging:chat_report", args=[line.pk])).content.decode(),
        client.get(reverse("messaging:chat_lines", args=[room.pk]), {"after": 0}).content.decode(),
    ]
    client.force_login(moderator)
    pages.append(client.get(reverse("messaging:chat_context", args=[line.pk])).content.decode())
    for page in pages:
        start = page.find('<main id="main"')
        assert_inert(page[start : page.index("</main>")] if start != -1 else page)
