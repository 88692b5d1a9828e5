from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts.models import MessagePrivacy
from accounts.tests.factories import UserFactory
from messaging import queries, services
from messaging.models import Conversation, Message
from messaging.tests.helpers import conversations_for, messages_between
from moderation.models import Report
from tests.xss import XSS_PAYLOADS, assert_inert

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def chat(alice, bob):
    """A conversation where Alice wrote to Bob once."""
    return services.message_send(sender=alice, recipient=bob, body="Hi Bob").conversation


def main_of(page: str) -> str:
    """What the page shows, without the site's own head and scripts."""
    start = page.find('<main id="main"')
    return page[start : page.index("</main>", start)] if start != -1 else page


def _ids_in(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<article id="message-(\d+)"', html)]


def _url(name: str, *args) -> str:
    return reverse(f"messaging:{name}", args=args)


class TestAccess:
    def test_pages_need_a_login(self, client, bob):
        for url in (_url("inbox"), _url("conversation", "bob")):
            response = client.get(url)
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    @pytest.mark.parametrize(
        ("name", "method"),
        [
            ("message_edit", "get"),
            ("message_edit", "post"),
            ("message_delete", "post"),
            ("message_report", "get"),
            ("message_report", "post"),
            ("message_context", "get"),
        ],
    )
    def test_an_outsider_gets_404_on_every_message_url(self, client, charlie, chat, name, method):
        message = chat.messages.get()
        client.force_login(charlie)

        response = getattr(client, method)(_url(name, message.pk), {"body": "x", "reason": "spam"})

        assert response.status_code == 404
        message.refresh_from_db()
        assert message.body == "Hi Bob" and message.deleted_at is None
        assert not Report.objects.exists()

    def test_conversation_urls_only_ever_show_your_own_conversation(self, client, charlie, chat):
        """Charlie naming Bob (or Alice) sees his own, empty, conversation with them."""
        client.force_login(charlie)
        for username in ("bob", "alice"):
            body = client.get(_url("conversation", username)).content.decode()
            assert "Hi Bob" not in body
        assert client.get(_url("conversation", "bob") + "?after=0").content.strip() == b""
        assert client.post(_url("conversation_read", "bob"), {"up_to": 1}).status_code == 404

    def test_yourself_or_an_unknown_or_banned_person_is_a_404(self, client, alice, bob):
        bob.is_active = False
        bob.save()
        client.force_login(alice)
        for username in ("alice", "nobody", "bob"):
            assert client.get(_url("conversation", username)).status_code == 404


class TestInbox:
    def test_it_lists_conversations_newest_first_with_first_line_and_unread(
        self, client, alice, bob, charlie
    ):
        services.message_send(sender=bob, recipient=alice, body="Older\nhidden second line")
        services.message_send(sender=charlie, recipient=alice, body="Newer")
        services.message_send(sender=charlie, recipient=alice, body="Newest")
        client.force_login(alice)

        body = client.get(_url("inbox")).content.decode()

        assert body.index("charlie") < body.index("bob")
        assert "Older" in body and "hidden second line" not in body
        counts = re.findall(r'data-testid="conversation-unread"[^>]*>(\d+)<', body)
        assert counts == ["2", "1"]

    def test_later_pages_continue_in_order(self, client, alice):
        others = UserFactory.create_batch(25)
        conversations_for(alice, others)  # the first made is the newest
        client.force_login(alice)

        body = client.get(_url("inbox"), {"page": 2}).content.decode()

        names = re.findall(r"<strong>(\w+)</strong>", body)
        assert names == [o.username for o in others[20:]]

    def test_the_htmx_request_gets_only_the_list(self, client, alice, chat):
        client.force_login(alice)
        body = client.get(_url("inbox"), **HTMX).content.decode()
        assert 'data-testid="conversations"' in body and "<html" not in body

    @pytest.mark.parametrize("count", [3, 300])
    def test_the_inbox_costs_the_same_for_3_or_300(
        self, client, alice, count, django_assert_num_queries
    ):
        conversations_for(alice, UserFactory.create_batch(count), unread_each=2)
        client.force_login(alice)

        # session, user, count for the pager, the page's ids, its rows (people, last
        # messages, unread counts)
        with django_assert_num_queries(5):
            response = client.get(_url("inbox"))

        assert response.content.decode().count('data-testid="conversation"') == min(count, 20)

    def test_counts_past_99_show_as_99_plus(self, client, alice, bob):
        messages_between(alice, bob, 300)  # 150 from Alice, unread by Bob
        client.force_login(bob)
        inbox = client.get(_url("inbox")).content.decode()
        badge = client.get(_url("messages_badge")).content.decode()
        assert re.search(r'data-testid="conversation-unread"[^>]*>99\+<', inbox)
        assert re.search(r'data-testid="messages-unread">99\+<', badge)

    def test_the_badge_counts_unread_messages(self, client, alice, bob, chat):
        services.message_send(sender=alice, recipient=bob, body="again")
        client.force_login(bob)
        body = client.get(_url("messages_badge")).content.decode()
        assert re.search(r'data-testid="messages-unread">2<', body)


class TestConversation:
    @pytest.mark.parametrize("count", [10, 10_000])
    def test_the_page_costs_the_same_for_10_or_10000_messages(
        self, client, alice, bob, count, django_assert_num_queries
    ):
        messages_between(alice, bob, count)
        client.force_login(bob)

        # session, user, other person, my side with unread, messages, block check x2
        with django_assert_num_queries(7):
            response = client.get(_url("conversation", "alice"))

        assert response.content.decode().count('data-testid="message"') == min(count, 30)
        assert f"message {count - 1}<" in response.content.decode()

    def test_older_messages_come_by_before_and_newer_by_after(self, client, alice, bob):
        conversation = messages_between(alice, bob, 70)
        ids = list(conversation.messages.values_list("id", flat=True))
        client.force_login(bob)

        older = client.get(_url("conversation", "alice"), {"before": ids[40]}).content.decode()
        shown = [int(i) for i in re.findall(r'data-id="(\d+)"', older)]
        assert shown == ids[10:40]
        assert f"before={ids[10]}" in older  # the next sentinel

        after = client.get(_url("conversation", "alice"), {"after": ids[65]})
        assert [int(i) for i in re.findall(r'data-id="(\d+)"', after.content.decode())] == ids[66:]
        assert after["X-More"] == "0"

    def test_a_long_catch_up_comes_in_batches(self, client, alice, bob):
        conversation = messages_between(alice, bob, 250)
        ids = list(conversation.messages.values_list("id", flat=True))
        client.force_login(bob)

        first = client.get(_url("conversation", "alice"), {"after": 0})
        rest = client.get(_url("conversation", "alice"), {"after": ids[199]})

        assert first["X-More"] == "1" and rest["X-More"] == "0"
        got = _ids_in(first.content.decode()) + _ids_in(rest.content.decode())
        assert got == ids

    def test_too_many_messages_get_a_clear_refusal(self, client, alice, bob):
        client.force_login(alice)
        for n in range(10):  # a new account's limit
            client.post(_url("conversation", "bob"), {"body": f"{n}"}, **HTMX)
        response = client.post(_url("conversation", "bob"), {"body": "one more"}, **HTMX)
        assert response.status_code == 429
        assert "Please try again in" in response.content.decode()
        assert Message.objects.count() == 10

    def test_a_get_never_marks_anything_read(self, client, bob, alice, chat):
        client.force_login(bob)
        client.get(_url("conversation", "alice"))
        client.get(_url("inbox"))
        assert queries.unread_total(user=bob) == 1

    def test_the_receiver_marks_read_by_post_and_gets_the_badge(self, client, bob, alice, chat):
        message = chat.messages.get()
        client.force_login(bob)

        response = client.post(_url("conversation_read", "alice"), {"up_to": message.pk}, **HTMX)

        assert response.status_code == 200
        assert 'id="messages-badge"' in response.content.decode()
        assert queries.unread_total(user=bob) == 0

    def test_marking_read_moves_only_the_requesters_state(self, client, alice, bob, chat):
        services.message_send(sender=bob, recipient=alice, body="reply")
        client.force_login(alice)

        client.post(_url("conversation_read", "bob"), {"up_to": 10**9})

        assert queries.unread_total(user=alice) == 0
        assert queries.unread_total(user=bob) == 1

    def test_send_by_post_redirects_and_by_htmx_returns_the_message_and_a_clean_form(
        self, client, alice, bob
    ):
        client.force_login(alice)
        response = client.post(_url("conversation", "bob"), {"body": "plain"})
        assert response.status_code == 302

        response = client.post(_url("conversation", "bob"), {"body": "with htmx"}, **HTMX)
        body = response.content.decode()
        assert 'hx-swap-oob="beforeend:#messages-with-' in body and "with htmx" in body
        assert 'id="message-form"' in body
        assert Message.objects.count() == 2

    def test_links_are_clickable_and_the_rest_is_plain_text(self, client, alice, bob):
        services.message_send(
            sender=alice, recipient=bob, body="see https://example.org/page <b>bold</b>"
        )
        client.force_login(bob)
        body = client.get(_url("conversation", "alice")).content.decode()
        assert '<a href="https://example.org/page" rel="nofollow">' in body
        assert "&lt;b&gt;bold&lt;/b&gt;" in body

    def test_an_empty_or_too_long_message_is_refused_with_a_reason(self, client, alice, bob):
        client.force_login(alice)
        response = client.post(_url("conversation", "bob"), {"body": "x" * 2001})
        assert response.status_code == 422
        assert "2000 characters" in response.content.decode()
        response = client.post(_url("conversation", "bob"), {"body": "  "}, **HTMX)
        assert response.status_code == 400
        assert response.content.decode() == "Write something first."
        assert not Message.objects.exists()

    @pytest.mark.parametrize("privacy", list(MessagePrivacy))
    def test_the_page_says_why_one_may_not_write(self, client, alice, bob, privacy):
        bob.message_privacy = privacy
        bob.save()
        client.force_login(alice)
        body = client.get(_url("conversation", "bob")).content.decode()
        may_write = privacy == MessagePrivacy.EVERYONE
        assert ('id="message-form"' in body) is may_write
        assert ('data-testid="refusal"' in body) is not may_write

    def test_a_refused_send_says_why(self, client, alice, bob):
        bob.message_privacy = MessagePrivacy.NOBODY
        bob.save()
        client.force_login(alice)
        response = client.post(_url("conversation", "bob"), {"body": "hi"}, **HTMX)
        assert response.status_code == 403
        assert "doesn't accept direct messages" in response.content.decode()

    def test_block_and_unblock_from_the_conversation(self, client, alice, bob, chat):
        client.force_login(bob)
        client.post(_url("conversation_block", "alice"))
        assert "You blocked alice" in client.get(_url("conversation", "alice")).content.decode()
        assert 'data-testid="conversation"' not in client.get(_url("inbox")).content.decode()

        client.post(_url("conversation_block", "alice"), {"unblock": "1"})
        assert 'id="message-form"' in client.get(_url("conversation", "alice")).content.decode()


class TestEditDeleteReport:
    def test_the_author_edits_and_deletes_and_both_see_it(self, client, alice, bob, chat):
        message = chat.messages.get()
        client.force_login(alice)
        assert (
            client.post(_url("message_edit", message.pk), {"body": "Hi Bobby"}).status_code == 302
        )
        client.force_login(bob)
        assert 'data-testid="edited"' in client.get(_url("conversation", "alice")).content.decode()

        client.force_login(alice)
        assert client.post(_url("message_delete", message.pk), **HTMX).status_code == 204
        for user, other in ((alice, "bob"), (bob, "alice")):
            client.force_login(user)
            body = client.get(_url("conversation", other)).content.decode()
            assert "message deleted" in body and "Hi Bobby" not in body

    def test_the_receiver_cannot_edit_or_delete(self, client, bob, chat):
        message = chat.messages.get()
        client.force_login(bob)
        assert client.post(_url("message_delete", message.pk), **HTMX).status_code == 403
        message.refresh_from_db()
        assert message.deleted_at is None

    def test_a_report_reaches_the_queue_and_moderators_see_only_the_context(
        self, client, alice, bob, moderator
    ):
        conversation = messages_between(alice, bob, 20)
        ids = list(conversation.messages.values_list("id", flat=True))
        reported = Message.objects.get(pk=ids[10])
        client.force_login(bob if reported.sender == alice else alice)

        response = client.post(
            _url("message_report", reported.pk), {"reason": "harassment", "text": ""}
        )

        assert response.status_code == 302
        report = Report.objects.get()
        assert report.target == reported and report.target_user == reported.sender

        client.force_login(alice)
        assert client.get(_url("message_context", reported.pk)).status_code == 404
        client.force_login(moderator)
        body = client.get(_url("message_context", reported.pk)).content.decode()
        shown = [int(i) for i in re.findall(r'data-id="(\d+)"', body)]
        assert shown == ids[7:14]
        assert 'data-testid="reported"' in body

    def test_the_report_page_never_shows_a_deleted_or_hidden_text(
        self, client, alice, bob, moderator, chat
    ):
        from moderation.services import moderation_hide

        message = chat.messages.get()
        services.message_delete(message=message, by=alice)
        client.force_login(bob)
        assert "Hi Bob" not in client.get(_url("message_report", message.pk)).content.decode()

        other = services.message_send(sender=alice, recipient=bob, body="Hidden words")
        moderation_hide(by=moderator, target=other)
        assert "Hidden words" not in client.get(_url("message_report", other.pk)).content.decode()

    def test_a_moderator_hides_a_message_for_both(self, client, alice, bob, moderator, chat):
        from moderation.services import moderation_hide

        message = chat.messages.get()
        moderation_hide(by=moderator, target=message, reason="spam")
        client.force_login(bob)
        body = client.get(_url("conversation", "alice")).content.decode()
        assert "hidden by a moderator" in body and "Hi Bob" not in body


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_hostile_text_is_inert_in_every_page(client, alice, bob, moderator, payload):
    message = services.message_send(sender=alice, recipient=bob, body=payload)
    pages = []
    for user, urls in (
        (bob, [_url("conversation", "alice"), _url("inbox"), _url("message_report", message.pk)]),
        (alice, [_url("message_edit", message.pk)]),
        (moderator, [_url("message_context", message.pk)]),
    ):
        client.force_login(user)
        pages += [client.get(url).content.decode() for url in urls]
    pages.append(
        client.get(_url("conversation", "alice") + f"?after={message.pk - 1}").content.decode()
    )
    for page in pages:
        assert_inert(main_of(page))
    assert Conversation.objects.count() == 1
