from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.services import user_block
from accounts.tests.factories import UserFactory
from community import services
from community.models import Comment, CommentLike, Post, PostLike, Revision
from community.queries import comment_tree
from focusmate.events import CommentPosted, ContentLiked, PostPublished
from focusmate.lib.ratelimit import RateLimited
from messaging.models import Notification

pytestmark = pytest.mark.django_db


def texts(user) -> list[str]:
    return list(Notification.objects.filter(user=user).values_list("text", flat=True))


# --- Posts ----------------------------------------------------------------------


def test_a_post_is_rendered_once_and_published_after_commit(
    alice, general, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post = services.post_create(
            author=alice, category=general, title=" Hello ", body="Some *Markdown*"
        )
    assert post.title == "Hello"
    assert post.body_html == "<p>Some <em>Markdown</em></p>\n"
    assert published == [
        PostPublished(post_id=post.pk, author_id=alice.pk, category_slug="general")
    ]


@pytest.mark.parametrize(
    ("title", "body", "field"),
    [
        ("", "body", "title"),
        ("x" * 151, "body", "title"),
        ("ok", "", "body"),
        ("ok", "x" * 20_001, "body"),
        ("bad\x00title", "body", "title"),
        ("ok", "bell\x07", "body"),
    ],
)
def test_bad_posts_are_refused_with_the_field_named(alice, general, title, body, field):
    with pytest.raises(ValidationError) as error:
        services.post_create(author=alice, category=general, title=title, body=body)
    assert field in error.value.message_dict
    assert not Post.objects.exists()


def test_a_banned_person_cannot_post(alice, general):
    alice.is_active = False
    alice.save()
    with pytest.raises(PermissionDenied):
        services.post_create(author=alice, category=general, title="t", body="b")


def test_only_the_author_edits_and_the_earlier_version_is_kept(post, alice, bob, general):
    with pytest.raises(PermissionDenied):
        services.post_update(post=post, by=bob, title="Mine now", body="x", category=general)
    services.post_update(post=post, by=alice, title="New title", body="New body", category=general)
    post.refresh_from_db()
    assert post.title == "New title" and post.edited_at is not None
    revision = Revision.objects.get(post=post)
    assert (revision.title, revision.body) == ("How I plan my week", "I use **blocks**.")


def test_an_edit_that_changes_nothing_keeps_no_version(post, alice, general):
    services.post_update(post=post, by=alice, title=post.title, body=post.body, category=general)
    post.refresh_from_db()
    assert post.edited_at is None
    assert not Revision.objects.exists()


def test_only_the_author_deletes_a_post(post, alice, bob):
    with pytest.raises(PermissionDenied):
        services.post_delete(post=post, by=bob)
    services.post_delete(post=post, by=alice)
    assert not Post.objects.exists()


# --- Comments, replies and notifications ------------------------------------------


def test_a_comment_counts_and_notifies_the_post_author(
    post, alice, bob, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        comment = services.comment_create(post=post, author=bob, body="Great")
    post.refresh_from_db()
    assert post.comment_count == 1
    assert post.last_activity_at == comment.created_at
    assert texts(alice) == ["@bob replied to your post “How I plan my week”"]
    assert CommentPosted(comment_id=comment.pk, post_id=post.pk, author_id=bob.pk) in published


def test_a_reply_notifies_the_comment_author_not_oneself(post, alice, bob, comment):
    services.comment_create(post=post, author=alice, body="Thanks", parent=comment)
    assert texts(bob) == ["@alice replied to your comment on “How I plan my week”"]
    assert texts(alice) == ["@bob replied to your post “How I plan my week”"]


def test_mentions_notify_each_person_once(post, alice, bob, charlie):
    services.comment_create(post=post, author=bob, body="@alice @charlie @charlie @ghost look")
    assert texts(charlie) == ["@bob mentioned you in a comment on “How I plan my week”"]
    # Alice is told once, as the post's author, not again for the mention.
    assert len(texts(alice)) == 1


def test_someone_blocked_notifies_nobody(post, alice, bob):
    user_block(by=alice, user=bob)
    services.comment_create(post=post, author=bob, body="@alice hello?")
    assert texts(alice) == []


def test_a_reply_to_a_comment_of_another_post_is_refused(post, alice, comment, general):
    other = services.post_create(author=alice, category=general, title="Other", body="b")
    with pytest.raises(ValidationError):
        services.comment_create(post=other, author=alice, body="x", parent=comment)


def test_replies_past_six_levels_show_flat_saying_whom_they_answer(post, alice, bob):
    parent = None
    chain = []
    for level in range(9):
        author = alice if level % 2 else bob
        parent = services.comment_create(post=post, author=author, body=f"L{level}", parent=parent)
        chain.append(parent)
    assert [c.depth for c in chain] == [0, 1, 2, 3, 4, 5, 5, 5, 5]
    tree = comment_tree(post=post, user=alice)
    node = tree[0]
    for _ in range(4):
        node = node.children[0]
    # The fifth level holds the sixth and, beside it, every reply deeper than that.
    shown = [(child.comment.body, child.replying_to) for child in node.children]
    assert shown == [("L5", ""), ("L6", "alice"), ("L7", "bob"), ("L8", "alice")]


def test_deleting_a_comment_with_replies_keeps_its_place(post, alice, bob, comment):
    reply = services.comment_create(post=post, author=alice, body="Reply", parent=comment)
    with pytest.raises(PermissionDenied):
        services.comment_delete(comment=comment, by=alice)
    services.comment_delete(comment=comment, by=bob)
    tree = comment_tree(post=post, user=alice)
    assert tree[0].comment.deleted_at is not None and tree[0].comment.body == ""
    assert tree[0].children[0].comment == reply
    assert Revision.objects.get(comment=comment).body == "Nice, thanks!"
    post.refresh_from_db()
    assert post.comment_count == 1


def test_a_deleted_comment_without_replies_leaves_the_thread(post, bob, comment, alice):
    services.comment_delete(comment=comment, by=bob)
    assert comment_tree(post=post, user=alice) == []


def test_comment_edits_keep_versions_and_refuse_others(comment, bob, alice):
    with pytest.raises(PermissionDenied):
        services.comment_update(comment=comment, by=alice, body="mine")
    services.comment_update(comment=comment, by=bob, body="Edited")
    comment.refresh_from_db()
    assert comment.edited_at is not None and comment.body_html == "<p>Edited</p>\n"
    assert Revision.objects.get(comment=comment).body == "Nice, thanks!"


# --- Likes ----------------------------------------------------------------------


def test_a_like_toggles_and_the_count_follows_the_rows(post, bob, charlie):
    assert services.post_like_toggle(post=post, user=bob) == (True, 1)
    assert services.post_like_toggle(post=post, user=charlie) == (True, 2)
    assert services.post_like_toggle(post=post, user=bob) == (False, 1)
    post.refresh_from_db()
    assert post.like_count == PostLike.objects.filter(post=post).count() == 1


def test_nobody_likes_their_own(post, alice, comment, bob):
    with pytest.raises(ValidationError):
        services.post_like_toggle(post=post, user=alice)
    with pytest.raises(ValidationError):
        services.comment_like_toggle(comment=comment, user=bob)
    assert not PostLike.objects.exists() and not CommentLike.objects.exists()


def test_likes_notify_in_one_line_that_counts(
    post, alice, published, django_capture_on_commit_callbacks
):
    likers = UserFactory.create_batch(5)
    with django_capture_on_commit_callbacks(execute=True):
        for liker in likers:
            services.post_like_toggle(post=post, user=liker)
    assert texts(alice) == ["5 people liked your post “How I plan my week”"]
    assert ContentLiked(author_id=alice.pk, liker_id=likers[0].pk) in published


def test_a_new_like_line_starts_once_the_last_was_read(post, alice, bob, charlie):
    services.post_like_toggle(post=post, user=bob)
    Notification.objects.filter(user=alice).update(read_at=timezone.now())
    with time_machine.travel(timezone.now() + timedelta(seconds=5)):
        services.post_like_toggle(post=post, user=charlie)
    assert sorted(texts(alice)) == [
        "@bob liked your post “How I plan my week”",
        "@charlie liked your post “How I plan my week”",
    ]


def test_gathering_likes_never_rewrites_a_mention(alice, bob, general, veteran):
    post = services.post_create(author=veteran, category=general, title="Hi", body="@alice look")
    services.comment_create(post=post, author=veteran, body="also @alice")
    comment = alice.notifications.get(text__contains="in a comment")
    services.post_like_toggle(post=post, user=alice)  # Vera's post: Alice's like notifies Vera
    liked_comment = services.comment_create(post=post, author=alice, body="thanks")
    services.comment_like_toggle(comment=liked_comment, user=veteran)
    services.comment_like_toggle(comment=liked_comment, user=bob)
    assert sorted(texts(alice)) == [
        "2 people liked your comment",
        "@vera mentioned you in a comment on “Hi”",
        "@vera mentioned you in “Hi”",
    ]
    assert comment.url != alice.notifications.get(text__contains="liked").url


def test_comment_likes_count(comment, alice):
    assert services.comment_like_toggle(comment=comment, user=alice) == (True, 1)
    comment.refresh_from_db()
    assert comment.like_count == 1


# --- Rate limits ----------------------------------------------------------------


def test_new_accounts_post_less_often_and_are_told_when_to_return(alice, general):
    for number in range(3):
        services.post_create(author=alice, category=general, title=f"P{number}", body="b")
    with pytest.raises(RateLimited, match=r"try again in \d+ (second|minute)"):
        services.post_create(author=alice, category=general, title="P4", body="b")
    assert Post.objects.count() == 3


def test_older_accounts_have_looser_limits(veteran, general):
    for number in range(10):
        services.post_create(author=veteran, category=general, title=f"P{number}", body="b")
    with pytest.raises(RateLimited):
        services.post_create(author=veteran, category=general, title="P11", body="b")


def test_comments_are_limited(post, bob):
    for number in range(10):
        services.comment_create(post=post, author=bob, body=f"c{number}")
    with pytest.raises(RateLimited):
        services.comment_create(post=post, author=bob, body="one too many")
    assert Comment.objects.count() == 10


def test_likes_are_limited(alice, bob, general, veteran):
    posts = [
        services.post_create(author=veteran, category=general, title=f"P{n}", body="b")
        for n in range(10)
    ]
    with pytest.raises(RateLimited):
        for _ in range(4):
            for target in posts:
                services.post_like_toggle(post=target, user=bob)


def test_mentions_are_limited(post, bob):
    people = UserFactory.create_batch(6)
    body = " ".join(f"@{person.username}" for person in people)
    with pytest.raises(RateLimited):
        services.comment_create(post=post, author=bob, body=body)
    assert not Comment.objects.exists()  # refused whole, nothing half-sent


def test_a_like_from_someone_blocked_counts_but_does_not_notify(post, alice, bob):
    user_block(by=alice, user=bob)
    assert services.post_like_toggle(post=post, user=bob) == (True, 1)
    assert texts(alice) == []
