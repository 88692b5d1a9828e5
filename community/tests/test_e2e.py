"""Two people and a moderator use the forum in real browsers against a real server."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.tests.factories import UserFactory
from community.models import Category, Comment, Post
from community.tests.conftest import moderators_group
from focusmate.lib import broadcast
from moderation.models import Report

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LIVE = 3_000  # ms: a push over the socket must arrive within this


@pytest.fixture(autouse=True)
def _scene(monkeypatch):
    # The live server pushes what the browsers see; the test process pushes nothing.
    monkeypatch.setattr(broadcast, "send_now", lambda group, message: None)
    Category.objects.get_or_create(slug="general", defaults={"name": "General"})


def live(page: Page, path_part: str) -> None:
    """Waits until the page's socket on `path_part` is open (pushes would be missed)."""
    expect(page.locator(f'[ws-connect*="{path_part}"][data-ws="open"]')).to_have_count(1)


def test_two_people_talk_in_a_thread_and_a_moderator_hides_it(
    live_site, new_page, alice, bob, password
):
    alice_page, bob_page, mod_page = new_page(), new_page(), new_page()
    live_site.log_in(alice_page, alice, password)
    live_site.log_in(bob_page, bob, password)

    # 1. Alice posts, with Markdown and code; Bob's open list hears of it.
    bob_page.goto(f"{live_site.url}/community/")
    live(bob_page, "/ws/community/")
    alice_page.goto(f"{live_site.url}/community/new/")
    alice_page.get_by_label("Title").fill("Deep work <tips>")
    alice_page.get_by_label("Body").fill("Use **blocks**:\n\n```\nwhile True: focus()\n```")
    alice_page.get_by_role("button", name="Publish").click()
    alice_page.wait_for_url(re.compile(r"/community/posts/\d+/$"))
    post = Post.objects.get()
    expect(alice_page.locator(".prose strong")).to_have_text("blocks")
    expect(alice_page.locator(".prose pre code")).to_contain_text("while True: focus()")
    expect(bob_page.get_by_test_id("new-posts")).to_have_text("1 new post, show", timeout=LIVE)
    bob_page.get_by_test_id("new-posts").click()
    bob_page.get_by_role("link", name="Deep work <tips>").click()
    live(bob_page, f"/ws/community/posts/{post.pk}/")
    live(alice_page, f"/ws/community/posts/{post.pk}/")

    # 2. Bob comments; Alice sees it live and replies; Bob sees the reply live.
    bob_page.get_by_label("Your reply").first.fill("Thanks, @alice!")
    bob_page.get_by_role("button", name="Comment", exact=True).click()
    expect(bob_page.locator(".comment")).to_have_count(1)
    expect(alice_page.locator(".comment")).to_have_count(1, timeout=LIVE)
    expect(alice_page.locator(".comment .prose")).to_contain_text("Thanks, @alice!")
    expect(bob_page.get_by_label("Your reply").first).to_have_value("")  # the form emptied
    comment = Comment.objects.get()
    alice_page.locator(f"#comment-{comment.pk} details.reply summary").click()
    alice_page.locator(f"#comment-{comment.pk} textarea").fill("You're welcome")
    alice_page.locator(f"#comment-{comment.pk}").get_by_role("button", name="Reply").click()
    reply_on_bobs_page = bob_page.locator(f"#replies-{comment.pk} .comment")
    expect(reply_on_bobs_page).to_have_count(1, timeout=LIVE)
    expect(reply_on_bobs_page).to_contain_text("You're welcome")
    expect(alice_page.locator(f"#replies-{comment.pk} .comment")).to_have_count(1)  # once
    # The reply rang Bob's bell (his first comment may have unlocked an achievement too).
    expect(bob_page.locator(".bell-count")).to_have_text(re.compile(r"^[1-9]"), timeout=LIVE)
    assert bob.notifications.filter(text__startswith="@alice replied to your comment").exists()

    # 3. Bob likes the post.
    bob_page.get_by_test_id(f"like-post-{post.pk}").click()
    expect(bob_page.get_by_test_id(f"like-post-{post.pk}")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(bob_page.get_by_test_id(f"like-post-{post.pk}")).to_contain_text("1")

    # 4. Bob reports it.
    bob_page.get_by_role("link", name="Report").first.click()
    bob_page.get_by_label("Spam").check()
    bob_page.get_by_role("button", name="Send report").click()
    expect(bob_page.locator(".toast")).to_contain_text("A moderator will look at it")
    assert Report.objects.filter(reporter=bob, object_id=post.pk).count() == 1

    # 5. A moderator hides it from the admin's queue; it is gone for Bob.
    moderator = UserFactory(username="morgan", is_staff=True)
    moderator.groups.add(moderators_group())
    live_site.log_in(mod_page, moderator, password)
    mod_page.goto(f"{live_site.url}/admin/moderation/report/")
    item = mod_page.get_by_test_id("queue-item")
    expect(item).to_contain_text("Deep work <tips>")
    item.get_by_label("Reason or message").fill("Checked: spam")
    item.get_by_role("button", name="Hide").click()
    expect(mod_page.get_by_test_id("queue-empty")).to_be_visible()
    post.refresh_from_db()
    assert post.is_hidden
    response = bob_page.goto(post.get_absolute_url().join([live_site.url, ""]))
    assert response.status == 404
    bob_page.goto(f"{live_site.url}/community/")
    expect(bob_page.get_by_role("link", name="Deep work <tips>")).to_have_count(0)
    alice_page.reload()
    expect(alice_page.locator(".hidden-mark")).to_contain_text("Hidden by a moderator")
