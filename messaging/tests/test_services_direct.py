from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.models import MessagePrivacy
from accounts.services import user_block
from focusmate.events import ConversationRead, MessageDeleted, MessageEdited, MessageSent
from focusmate.lib.ratelimit import RateLimited
from messaging import queries, services
from messaging.models import Conversation, ConversationMember, Message
from rooms import services as room_services

pytestmark = pytest.mark.django_db


def _read(member_user, other):
    """`member_user`'s inbox row for the conversation with `other` (state and count)."""
    return next(m for m in queries.inbox(user=member_user) if m.other_id == other.pk)


class TestSend:
    def test_the_first_message_makes_one_conversation_with_both_sides(self, alice, bob):
        message = services.message_send(sender=alice, recipient=bob, body="Hi Bob")

        conversation = Conversation.objects.get()
        assert message.conversation == conversation
        assert conversation.last_message == message
        assert {(m.user_id, m.other_id) for m in ConversationMember.objects.all()} == {
            (alice.pk, bob.pk),
            (bob.pk, alice.pk),
        }

    def test_a_reply_uses_the_same_conversation(self, alice, bob):
        services.message_send(sender=alice, recipient=bob, body="Hi")
        services.message_send(sender=bob, recipient=alice, body="Hello")

        assert Conversation.objects.count() == 1
        assert Message.objects.count() == 2

    def test_it_publishes_after_commit_only(
        self, alice, bob, published, django_capture_on_commit_callbacks
    ):
        with (
            django_capture_on_commit_callbacks(execute=True),
            pytest.raises(RuntimeError),
            transaction.atomic(),
        ):
            services.message_send(sender=alice, recipient=bob, body="Lost")
            raise RuntimeError
        assert published == []

        with django_capture_on_commit_callbacks(execute=True):
            message = services.message_send(sender=alice, recipient=bob, body="Kept")
            assert published == []

        assert published == [
            MessageSent(
                message_id=message.pk,
                conversation_id=message.conversation_id,
                sender_id=alice.pk,
                recipient_id=bob.pk,
            )
        ]

    @pytest.mark.parametrize("body", ["", "   ", "x" * 2001, "nul\x00byte"])
    def test_it_refuses_a_bad_body(self, alice, bob, body):
        with pytest.raises(ValidationError):
            services.message_send(sender=alice, recipient=bob, body=body)
        assert not Message.objects.exists()

    def test_it_keeps_2000_characters(self, alice, bob):
        message = services.message_send(sender=alice, recipient=bob, body="x" * 2000)
        assert len(message.body) == 2000

    def test_it_refuses_messaging_yourself(self, alice):
        with pytest.raises(ValidationError):
            services.message_send(sender=alice, recipient=alice, body="me")

    def test_it_refuses_a_banned_sender_and_a_closed_recipient(self, alice, bob):
        bob.is_active = False
        bob.save()
        with pytest.raises(PermissionDenied):
            services.message_send(sender=alice, recipient=bob, body="Hi")
        with pytest.raises(PermissionDenied):
            services.message_send(sender=bob, recipient=alice, body="Hi")


class TestRateLimit:
    def test_a_new_account_gets_ten_a_minute(self, alice, bob):
        for n in range(10):
            services.message_send(sender=alice, recipient=bob, body=f"{n}")
        with pytest.raises(RateLimited, match="try again"):
            services.message_send(sender=alice, recipient=bob, body="one too many")
        assert Message.objects.count() == 10

    def test_an_older_account_gets_thirty_a_minute(self, alice, bob):
        alice.date_joined -= timedelta(days=2)
        alice.save()
        for n in range(30):
            services.message_send(sender=alice, recipient=bob, body=f"{n}")
        with pytest.raises(RateLimited):
            services.message_send(sender=alice, recipient=bob, body="31")

    def test_the_limit_is_shared_with_room_chat(self, alice, bob, room):
        for n in range(10):
            services.chat_post(room=room, by=bob, body=f"{n}")
        with pytest.raises(RateLimited):
            services.message_send(sender=bob, recipient=alice, body="and a message")


class TestPrivacy:
    def test_everyone_may_message_by_default(self, alice, bob):
        assert services.message_send(sender=alice, recipient=bob, body="Hi")

    def test_nobody_refuses_everyone(self, alice, bob, room):
        bob.message_privacy = MessagePrivacy.NOBODY
        bob.save()
        with pytest.raises(PermissionDenied, match="doesn't accept"):
            services.message_send(sender=alice, recipient=bob, body="Hi")

    def test_shared_room_accepts_only_present_roommates(self, alice, bob, charlie, room):
        bob.message_privacy = MessagePrivacy.SHARED_ROOM
        bob.save()

        assert services.message_send(sender=alice, recipient=bob, body="same room")
        with pytest.raises(PermissionDenied, match="in a room with them"):
            services.message_send(sender=charlie, recipient=bob, body="stranger")

        room_services.room_leave(room=room, user=bob)
        with pytest.raises(PermissionDenied):
            services.message_send(sender=alice, recipient=bob, body="after leaving")


class TestBlock:
    def test_a_block_refuses_messages_both_ways(self, alice, bob):
        services.message_send(sender=alice, recipient=bob, body="before")
        user_block(by=bob, user=alice)

        with pytest.raises(PermissionDenied):
            services.message_send(sender=alice, recipient=bob, body="blocked")
        with pytest.raises(PermissionDenied):
            services.message_send(sender=bob, recipient=alice, body="blocker")
        assert Message.objects.count() == 1

    def test_the_blocker_no_longer_sees_the_conversation_but_the_other_does(self, alice, bob):
        services.message_send(sender=alice, recipient=bob, body="before")
        user_block(by=bob, user=alice)

        assert list(queries.inbox(user=bob)) == []
        assert queries.unread_total(user=bob) == 0
        assert [m.other for m in queries.inbox(user=alice)] == [bob]


class TestEditAndDelete:
    def test_the_author_edits_within_ten_minutes(self, alice, bob, time_machine, events):
        time_machine.move_to("2026-03-02 10:00:00Z", tick=False)
        message = services.message_send(sender=alice, recipient=bob, body="teh")
        time_machine.move_to("2026-03-02 10:10:00Z", tick=False)

        services.message_edit(message=message, by=alice, body="the")

        message.refresh_from_db()
        assert message.body == "the" and message.edited_at is not None
        assert isinstance(events[-1], MessageEdited)

    def test_it_refuses_an_edit_after_ten_minutes(self, alice, bob, time_machine):
        time_machine.move_to("2026-03-02 10:00:00Z", tick=False)
        message = services.message_send(sender=alice, recipient=bob, body="teh")
        time_machine.move_to("2026-03-02 10:10:01Z", tick=False)

        with pytest.raises(ValidationError, match="10 minutes"):
            services.message_edit(message=message, by=alice, body="the")
        with pytest.raises(ValidationError, match="10 minutes"):
            services.message_delete(message=message, by=alice)
        message.refresh_from_db()
        assert message.body == "teh" and message.deleted_at is None

    def test_only_the_author_edits_or_deletes(self, alice, bob):
        message = services.message_send(sender=alice, recipient=bob, body="mine")
        with pytest.raises(PermissionDenied):
            services.message_edit(message=message, by=bob, body="yours")
        with pytest.raises(PermissionDenied):
            services.message_delete(message=message, by=bob)

    def test_delete_within_the_window_marks_it_deleted(self, alice, bob, events):
        message = services.message_send(sender=alice, recipient=bob, body="oops")
        services.message_delete(message=message, by=alice)

        message.refresh_from_db()
        assert message.deleted_at is not None
        assert isinstance(events[-1], MessageDeleted)
        with pytest.raises(ValidationError):
            services.message_edit(message=message, by=alice, body="undo")


class TestMarkRead:
    def test_the_receiver_moves_only_their_own_state(self, alice, bob, events):
        first = services.message_send(sender=alice, recipient=bob, body="1")
        second = services.message_send(sender=alice, recipient=bob, body="2")
        assert _read(bob, alice).unread == 2

        services.conversation_mark_read(conversation=first.conversation, user=bob, up_to=first.pk)

        assert _read(bob, alice).unread == 1
        assert _read(bob, alice).read_up_to == first.pk
        assert _read(alice, bob).read_up_to == 0
        assert events[-1] == ConversationRead(
            conversation_id=first.conversation_id, user_id=bob.pk, up_to=first.pk
        )
        services.conversation_mark_read(conversation=first.conversation, user=bob, up_to=second.pk)
        assert queries.unread_total(user=bob) == 0

    def test_it_never_moves_back_or_past_the_newest_message(self, alice, bob):
        first = services.message_send(sender=alice, recipient=bob, body="1")
        conversation = first.conversation
        services.conversation_mark_read(conversation=conversation, user=bob, up_to=first.pk)

        assert services.conversation_mark_read(conversation=conversation, user=bob, up_to=1) == (
            first.pk
        )
        services.conversation_mark_read(conversation=conversation, user=bob, up_to=10**12)
        later = services.message_send(sender=alice, recipient=bob, body="later")

        assert _read(bob, alice).read_up_to == first.pk
        assert queries.unread_total(user=bob) == 1
        assert later.pk > first.pk

    def test_an_outsider_cannot_mark_read(self, alice, bob, charlie):
        message = services.message_send(sender=alice, recipient=bob, body="1")
        with pytest.raises(PermissionDenied):
            services.conversation_mark_read(
                conversation=message.conversation, user=charlie, up_to=message.pk
            )
        assert _read(bob, alice).unread == 1

    def test_own_messages_are_never_unread(self, alice, bob):
        services.message_send(sender=alice, recipient=bob, body="1")
        assert queries.unread_total(user=alice) == 0
        assert queries.unread_total(user=bob) == 1

    def test_deleted_messages_stop_counting(self, alice, bob):
        message = services.message_send(sender=alice, recipient=bob, body="1")
        services.message_delete(message=message, by=alice)
        assert queries.unread_total(user=bob) == 0
