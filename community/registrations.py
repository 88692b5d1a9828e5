"""What the forum registers elsewhere: its content as reportable, its rows as the
achievements' community counters."""

from __future__ import annotations

from accounts.models import User
from achievements.counters import register_counter
from achievements.models import Achievement
from community.models import Comment, CommentLike, Post, PostLike
from community.services import content_set_hidden
from moderation.registry import Moderatable, register

for model in (Post, Comment):
    register(
        model,
        Moderatable(
            author_id=lambda content: content.author_id,
            hide=lambda content: content_set_hidden(content, hidden=True),
            restore=lambda content: content_set_hidden(content, hidden=False),
            url=lambda content: content.get_absolute_url(),
        ),
    )

Requirement = Achievement.Requirement


def _posts(user: User) -> dict[str, int]:
    return {Requirement.COMMUNITY_POSTS: Post.objects.filter(author=user).count()}


def _comments(user: User) -> dict[str, int]:
    count = Comment.objects.filter(author=user, deleted_at__isnull=True).count()
    return {Requirement.COMMUNITY_COMMENTS: count}


def _likes_received(user: User) -> dict[str, int]:
    # Likes on their posts and on their comments, counted in one query.
    on_posts = PostLike.objects.filter(post__author=user).values("pk")
    on_comments = CommentLike.objects.filter(comment__author=user).values("pk")
    return {Requirement.LIKES_RECEIVED: on_posts.union(on_comments, all=True).count()}


register_counter((Requirement.COMMUNITY_POSTS,), _posts)
register_counter((Requirement.COMMUNITY_COMMENTS,), _comments)
register_counter((Requirement.LIKES_RECEIVED,), _likes_received)
