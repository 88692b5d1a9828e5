"""Two people in two browsers: direct messages live, the badge and read state, a socket
forced down and back with nothing lost or doubled, and room chat that opens in a break."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from focusmate.lib import broadcast
from messaging.models import Message
from rooms import services as room_services
from timers import services as timer_services

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LIVE = 3_000  # ms: a push over the socket must arrive within this


@pytest.fixture(autouse=True)
def _no_pushes_from_the_test_process(monkeypatch):
    # Scenes set up here by services would push to this process's layer, which no
    # browser hears (and async_to_sync refuses beside Playwright's loop).
    monkeypatch.setattr(broadcast, "send_now", lambda group, message: None)


def message_texts(page: Page) -> list[str]:
    return page.locator("[data-message-list] [data-testid=message] .message-body").all_inner_texts()


def message_ids(page: Page) -> list[int]:
    ids = page.locator("[data-message-list] [data-testid=message]").evaluate_all(
        "els => els.map(el => Number(el.dataset.id))"
    )
    return ids


def send(page: Page, text: str) -> None:
    page.locator("#message-form textarea[name=body]").fill(text)
    page.locator("#message-form").get_by_role("button", name="Send").click()
    # Sent once the author's own page shows it and the form is replaced by a clean one
    # (the push may show it first: typing into the old form would be lost in the swap).
    expect(page.locator("[data-message-list]").get_by_text(text, exact=True)).to_be_visible()
    expect(page.locator("#message-form textarea")).to_have_value("")


def settle(*pages: Page) -> None:
    """Lets the pages' last requests (a mark-read POST on load) finish before the server
    stops: a request still pushing when it stops can hold up its exit."""
    for page in pages:
        page.wait_for_load_state("networkidle")


class SocketSwitch:
    """Routes a page's /ws/me/ through Playwright, so a test can cut it and restore it."""

    def __init__(self, page: Page):
        self.blocked = False
        self.current = None
        page.route_web_socket("**/ws/me/", self._route)

    def _route(self, ws) -> None:
        if self.blocked:
            ws.close(code=1012)  # "service restart": the page retries later
            return
        ws.connect_to_server()
        self.current = ws

    def cut(self) -> None:
        self.blocked = True
        if self.current is not None:
            self.current.close(code=1012)

    def restore(self) -> None:
        self.blocked = False


def test_two_people_message_live_with_badge_read_state_and_a_forced_drop(
    live_site, new_page, alice, bob, password
):
    alice_page, bob_page = new_page(), new_page()
    switch = SocketSwitch(bob_page)
    live_site.log_in(alice_page, alice, password)
    live_site.log_in(bob_page, bob, password)

    bob_page.goto(f"{live_site.url}/messages/")
    expect(bob_page.get_by_test_id("inbox-empty")).to_be_visible()
    bob_page.wait_for_timeout(500)  # the socket opens after the page
    alice_page.goto(f"{live_site.url}/messages/bob/")
    send(alice_page, "Hi Bob, see https://example.org")

    # Bob's open inbox and badge count it, live.
    expect(bob_page.get_by_test_id("messages-unread")).to_have_text("1", timeout=LIVE)
    expect(bob_page.get_by_test_id("conversation-unread")).to_have_text("1", timeout=LIVE)

    # Opening the conversation shows it and marks it read (a POST): the badge clears.
    bob_page.get_by_role("link", name="alice").first.click()
    expect(bob_page.get_by_text("Hi Bob, see")).to_be_visible()
    expect(bob_page.get_by_role("link", name="https://example.org")).to_be_visible()
    expect(bob_page.get_by_test_id("messages-unread")).to_have_count(0, timeout=LIVE)

    # Bob answers; Alice's open page shows it without a reload.
    send(bob_page, "Hello Alice")
    expect(alice_page.get_by_text("Hello Alice")).to_be_visible(timeout=LIVE)
    expect(bob_page.locator("#message-form textarea")).to_have_value("")

    # Bob's socket is cut; Alice writes meanwhile; the socket comes back.
    switch.cut()
    for n in range(3):
        send(alice_page, f"while you were away {n}")
    expect(alice_page.get_by_text("while you were away 2")).to_be_visible()
    bob_page.wait_for_timeout(800)
    assert "while you were away" not in " ".join(message_texts(bob_page))
    switch.restore()

    expect(bob_page.get_by_text("while you were away 2")).to_be_visible(timeout=20_000)
    send(alice_page, "after the drop")
    expect(bob_page.get_by_text("after the drop")).to_be_visible(timeout=LIVE)

    expected = list(Message.objects.order_by("id").values_list("id", flat=True))
    assert message_ids(bob_page) == expected  # in order, each once
    assert message_texts(bob_page)[-4:] == [
        "while you were away 0",
        "while you were away 1",
        "while you were away 2",
        "after the drop",
    ]
    # A reload shows the same.
    bob_page.reload()
    assert message_ids(bob_page) == expected
    settle(alice_page, bob_page)


def test_room_chat_is_closed_during_work_and_opens_in_the_break(
    live_site, new_page, room, alice, bob, password
):
    room = room_services.room_update(room=room, by=alice, chat_during_work="breaks_only")
    timer_services.timer_command(room=room, by=alice, action="start")
    alice_page, bob_page = new_page(), new_page()
    for page, user in ((alice_page, alice), (bob_page, bob)):
        live_site.log_in(page, user, password)
        page.goto(f"{live_site.url}{room.get_absolute_url()}")
        expect(page.locator(f"#participants li[data-user='{user.username}']")).to_have_attribute(
            "data-online", "true", timeout=5_000
        )

    box = bob_page.locator(f"#chat-input-{room.pk}")  # disabled with its fieldset
    expect(box).to_be_disabled()
    expect(bob_page.get_by_test_id("chat-closed")).to_contain_text("next break")

    alice_page.locator("#timer button[name=action][value=skip]").click()  # to the break

    expect(box).to_be_enabled(timeout=LIVE)
    expect(bob_page.get_by_test_id("chat-closed")).to_have_count(0)
    bob_page.locator(f"#chat-input-{room.pk}").fill("Coffee, anyone?")
    bob_page.locator(f"#chat-input-{room.pk}").press("Enter")

    expect(alice_page.get_by_test_id("chat-line")).to_contain_text("Coffee, anyone?", timeout=LIVE)
    expect(bob_page.get_by_test_id("chat-line")).to_have_count(1, timeout=LIVE)
    expect(bob_page.locator(f"#chat-input-{room.pk}")).to_have_value("")
    settle(alice_page, bob_page)


def test_the_conversation_and_inbox_fit_a_phone_screen(live_site, new_page, alice, bob, password):
    from messaging import services

    services.message_send(
        sender=alice, recipient=bob, body="https://example.org/" + "a-very-long-path/" * 12
    )
    page = new_page(viewport={"width": 375, "height": 740})
    live_site.log_in(page, bob, password)
    for path in ("/messages/", "/messages/alice/"):
        page.goto(f"{live_site.url}{path}")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a phone"
    expect(page.locator("#message-form textarea")).to_be_visible()
    settle(page)


def test_a_moderator_hiding_a_chat_line_redraws_it_on_the_open_room_page(
    live_site, new_page, room, alice, bob, password
):
    from accounts.tests.factories import UserFactory
    from community.tests.conftest import moderators_group
    from messaging.models import ChatMessage
    from moderation import services as moderation

    room_services.room_join(room=room, user=bob)
    line = ChatMessage.objects.create(room=room, sender=bob, body="Buy followers at spam.example")
    moderation.report_create(by=alice, target=line, reason="spam")
    alice_page, mod_page = new_page(), new_page()
    live_site.log_in(alice_page, alice, password)
    alice_page.goto(f"{live_site.url}{room.get_absolute_url()}")
    shown = alice_page.locator(f"#chat-{line.pk}")
    expect(shown).to_contain_text("Buy followers")
    expect(alice_page.locator(f"#participants li[data-user='{alice.username}']")).to_have_attribute(
        "data-online", "true", timeout=5_000
    )

    moderator = UserFactory(username="morgan", is_staff=True)
    moderator.groups.add(moderators_group())
    live_site.log_in(mod_page, moderator, password)
    mod_page.goto(f"{live_site.url}/admin/moderation/report/")
    item = mod_page.get_by_test_id("queue-item")
    expect(item).to_contain_text("Buy followers")
    item.get_by_role("button", name="Hide").click()
    expect(mod_page.get_by_test_id("queue-empty")).to_be_visible()

    # Alice's page, open all along, redraws the line where it stood: no reload.
    expect(shown).to_contain_text("hidden by a moderator", timeout=LIVE)
    expect(shown).not_to_contain_text("Buy followers")
    expect(alice_page.get_by_test_id("chat-line")).to_have_count(1)
    settle(alice_page, mod_page)
