"""Reports, the admin's report queue, every moderator action with its audit row, and the
Moderators group's rights."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.tests.factories import UserFactory
from community import services
from community.models import Comment, Post
from messaging.models import Notification
from moderation import services as moderation
from moderation.admin import open_queue
from moderation.models import ModerationAction, Report
from tests.xss import XSS_PAYLOADS, assert_inert

pytestmark = pytest.mark.django_db
QUEUE = reverse("admin:moderation_report_changelist")


def act_url(target) -> str:
    from django.contrib.contenttypes.models import ContentType

    content_type = ContentType.objects.get_for_model(target)
    return reverse("admin:moderation_report_act", args=[content_type.pk, target.pk])


def test_three_distinct_reports_hide_a_post_until_a_moderator_decides(post, bob):
    reporters = [bob, *UserFactory.create_batch(2)]
    moderation.report_create(by=reporters[0], target=post, reason="spam")
    with pytest.raises(ValidationError):  # the same person twice counts once
        moderation.report_create(by=reporters[0], target=post, reason="spam")
    moderation.report_create(by=reporters[1], target=post, reason="off_topic")
    post.refresh_from_db()
    assert not post.is_hidden
    moderation.report_create(by=reporters[2], target=post, reason="other", text="ads")
    post.refresh_from_db()
    assert post.is_hidden
    audit = ModerationAction.objects.get()
    assert (audit.kind, audit.moderator, audit.target) == ("auto_hide", None, post)


def test_a_comment_is_hidden_by_three_reports_too(comment):
    for reporter in UserFactory.create_batch(3):
        moderation.report_create(by=reporter, target=comment, reason="harassment")
    comment.refresh_from_db()
    assert comment.is_hidden


def test_other_needs_words_and_nobody_reports_themselves(post, alice, bob):
    with pytest.raises(ValidationError):
        moderation.report_create(by=bob, target=post, reason="other", text="  ")
    with pytest.raises(ValidationError):
        moderation.report_create(by=alice, target=post, reason="spam")
    assert not Report.objects.exists()


def test_the_queue_groups_reports_by_target_with_counts_and_reasons(post, comment, bob, alice):
    moderation.report_create(by=bob, target=post, reason="spam")
    moderation.report_create(by=UserFactory(), target=post, reason="spam")
    moderation.report_create(by=alice, target=comment, reason="harassment")
    moderation.report_create(by=bob, target=alice, reason="harassment", text="rude in DMs")
    items = open_queue()
    assert (items[0].target, items[0].count) == (post, 2)
    assert {item.target for item in items} == {post, comment, alice}
    assert items[0].reasons == [("Spam", 2)]


def test_the_moderators_group_works_the_queue_and_nothing_more(client, mod, post, bob):
    group = Group.objects.get(name="Moderators")
    assert {p.codename for p in group.permissions.all()} == {
        "view_report", "change_report", "view_moderationaction",
        "view_post", "view_comment", "view_revision",
        "view_category", "add_category", "change_category", "delete_category",
    }  # fmt: skip
    assert not mod.is_superuser
    moderation.report_create(by=bob, target=post, reason="spam")
    client.force_login(mod)
    page = client.get(QUEUE)
    assert page.status_code == 200 and "How I plan my week" in page.content.decode()
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 403
    assert client.get(reverse("admin:community_category_add")).status_code == 200


def test_people_outside_the_group_get_no_queue(client, bob):
    bob.is_staff = True
    bob.save()
    client.force_login(bob)
    assert client.get(QUEUE).status_code == 403


@pytest.mark.parametrize(
    ("action", "hidden_after", "status_after"),
    [("hide", True, "actioned"), ("restore", False, "dismissed"), ("dismiss", False, "dismissed")],
)
def test_each_queue_action_acts_and_leaves_an_audit_row(
    client, mod, post, bob, action, hidden_after, status_after
):
    moderation.report_create(by=bob, target=post, reason="spam")
    client.force_login(mod)
    response = client.post(act_url(post), {"action": action, "reason": "checked"})
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.is_hidden is hidden_after
    assert Report.objects.get().status == status_after
    audit = ModerationAction.objects.get()
    assert (audit.moderator, audit.target, audit.reason) == (mod, post, "checked")
    assert audit.kind == action


def test_warning_the_author_notifies_them(client, mod, post, bob, alice, deliver_at_once):
    moderation.report_create(by=bob, target=post, reason="spam")
    client.force_login(mod)
    client.post(act_url(post), {"action": "warn", "reason": "No ads, please."})
    assert Notification.objects.filter(user=alice, text__contains="No ads, please.").exists()
    assert ModerationAction.objects.get().kind == "warn"


def test_banning_from_the_queue_takes_the_authors_posts_off_the_public_pages(
    client, mod, post, bob, alice
):
    moderation.report_create(by=bob, target=post, reason="spam")
    client.force_login(mod)
    client.post(act_url(post), {"action": "ban", "reason": "spammer"})
    alice.refresh_from_db()
    assert not alice.is_active
    assert ModerationAction.objects.get().kind == "ban"
    assert not Post.objects.visible_to(bob).exists()
    assert Post.objects.visible_to(mod, moderator=True).exists()  # kept for moderators


def test_only_moderators_may_act_even_through_the_services(post, bob):
    for act in (moderation.moderation_hide, moderation.moderation_restore):
        with pytest.raises(PermissionDenied):
            act(by=bob, target=post)


def test_a_reported_comment_that_was_deleted_can_still_be_decided(client, mod, comment, alice):
    moderation.report_create(by=alice, target=comment, reason="spam")
    Comment.objects.filter(pk=comment.pk).delete()
    client.force_login(mod)
    response = client.post(act_url(comment), {"action": "hide"}, follow=True)
    assert "content is gone" in response.content.decode()
    assert Report.objects.get().status == "dismissed"


def test_the_admin_shows_earlier_versions_to_moderators(client, mod, post, alice, general):
    services.post_update(post=post, by=alice, title="Changed", body="new", category=general)
    client.force_login(mod)
    page = client.get(reverse("admin:community_post_change", args=[post.pk])).content.decode()
    assert "I use **blocks**." in page and "Earlier versions" in page


def test_the_queue_and_admin_render_hostile_content_inert(client, mod, alice, general, bob):
    for payload in XSS_PAYLOADS:
        post = Post.objects.create(
            author=alice, category=general, title=payload[:150], body=payload, body_html=""
        )
        moderation.report_create(by=UserFactory(), target=post, reason="other", text=payload[:500])
    client.force_login(mod)
    for url in (
        QUEUE,
        reverse("admin:community_post_changelist"),
        reverse("admin:moderation_moderationaction_changelist"),
    ):
        assert_inert(admin_content(client.get(url).content.decode()))


def admin_content(page: str) -> str:
    """The page's main region, without the admin's own scripts (which are ours, not data)."""
    main = page[page.index('id="content-main"') : page.index('id="footer"')]
    return re.sub(r'<script src="/static/[^"]+"[^>]*></script>', "", main)
