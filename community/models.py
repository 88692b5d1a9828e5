"""The forum: categories, posts, comments as a tree, likes, and earlier versions for moderators.

Bodies are stored as written (Markdown) and as sanitised HTML rendered once at save, so
a page never renders Markdown. Like and comment counts are kept on the row in the same
transaction as the rows they count, under the post's lock, so they always agree.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import User

TITLE_MAX = 150
POST_BODY_MAX = 20_000
COMMENT_BODY_MAX = 10_000


class Category(models.Model):
    """Made by moderators in the admin."""

    name = models.CharField(max_length=60, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    description = models.CharField(max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class ContentQuerySet(models.QuerySet):
    def visible_to(self, user, *, moderator: bool = False) -> ContentQuerySet:
        """The one rule for who sees a post or comment: everyone sees what is neither hidden
        by a moderator nor written by a banned person; authors see their own; moderators
        see everything."""
        if moderator:
            return self
        # Banned authors as a (hashed) subquery, not a join: a deep page then skips its
        # offset's rows without looking up each one's author.
        banned = User.objects.filter(is_active=False).values("pk")
        shown = Q(is_hidden=False) & ~Q(author__in=banned)
        if user.is_authenticated:
            shown |= Q(author=user)
        return self.filter(shown)


class Post(models.Model):
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="posts"
    )
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="posts")
    title = models.CharField(max_length=TITLE_MAX)
    body = models.TextField(max_length=POST_BODY_MAX)
    body_html = models.TextField(editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    # The newest comment's time, or the post's: the "active" sort.
    last_activity_at = models.DateTimeField(default=timezone.now)
    is_hidden = models.BooleanField("hidden by a moderator", default=False)
    like_count = models.PositiveIntegerField(default=0)
    comment_count = models.PositiveIntegerField(default=0)
    # Title (weight A) above body (weight B); kept by the services on PostgreSQL only.
    search_vector = SearchVectorField(null=True, editable=False)

    objects = ContentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="community_post_new"),
            models.Index(fields=["-last_activity_at", "-id"], name="community_post_active"),
            models.Index(fields=["category", "-created_at"], name="community_post_category"),
            models.Index(fields=["author", "-created_at"], name="community_post_author"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("community:post", args=[self.pk])


class Comment(models.Model):
    """A reply to the post (no parent) or to another comment, at any depth."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments"
    )
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    # Where it shows: under its parent, or, past the deepest level, beside it (under the
    # parent's own container) with "replying to @name". Empty for a reply to the post.
    shown_under = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    depth = models.PositiveSmallIntegerField(default=0)
    body = models.TextField(max_length=COMMENT_BODY_MAX)
    body_html = models.TextField(editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    # Deleted by its author: the thread keeps its place, shown as "[deleted]".
    deleted_at = models.DateTimeField(null=True, blank=True)
    is_hidden = models.BooleanField("hidden by a moderator", default=False)
    like_count = models.PositiveIntegerField(default=0)

    objects = ContentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["post", "created_at"], name="community_comment_thread")]

    def __str__(self) -> str:
        return f"Comment {self.pk} on post {self.post_id}"

    def get_absolute_url(self) -> str:
        return f"{reverse('community:post', args=[self.post_id])}#comment-{self.pk}"


class PostLike(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="likes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "user"], name="community_one_like_per_post")
        ]

    def __str__(self) -> str:
        return f"Like of post {self.post_id}"


class CommentLike(models.Model):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="likes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "user"], name="community_one_like_per_comment"
            )
        ]

    def __str__(self) -> str:
        return f"Like of comment {self.comment_id}"


class Revision(models.Model):
    """An earlier version of a post or comment, kept when its author edits it."""

    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, null=True, blank=True, related_name="revisions"
    )
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="revisions"
    )
    title = models.CharField(max_length=TITLE_MAX, blank=True)
    body = models.TextField()
    written_at = models.DateTimeField(help_text="When this version was written.")

    class Meta:
        ordering = ["-written_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(post__isnull=True) ^ Q(comment__isnull=True),
                name="community_revision_of_one_thing",
            )
        ]

    def __str__(self) -> str:
        return f"Version of {self.written_at:%Y-%m-%d %H:%M}"
