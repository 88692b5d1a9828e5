"""The forum's live pushes: a new post to open lists, a new comment to open threads.

Each is rendered once per group send, as a reader with no special rights sees it; the
socket of a reader who blocked the author drops it (see consumers).
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string

from community.models import Comment
from community.queries import COMMENTS_URL, Node, replying_to
from focusmate.events import CommentPosted, PostPublished, subscriber
from focusmate.lib import broadcast


def list_group(category_slug: str = "") -> str:
    return f"community.posts.{category_slug}" if category_slug else "community.posts"


def thread_group(post_id: int) -> str:
    return f"community.post.{post_id}"


@subscriber(PostPublished)
def push_new_post(event: PostPublished) -> None:
    html = render_to_string("community/_new_post_mark.html", {"post_id": event.post_id})
    payload = broadcast.message(
        "post.published",
        html=html,
        data={"post_id": event.post_id, "author_id": event.author_id},
    )
    broadcast.send_now(list_group(), payload)
    broadcast.send_now(list_group(event.category_slug), payload)


@subscriber(CommentPosted)
def push_new_comment(event: CommentPosted) -> None:
    comment = (
        Comment.objects.select_related("author", "post", "parent__author")
        .filter(pk=event.comment_id, post__is_hidden=False)
        .first()
    )
    if comment is None:
        return
    comment.withheld = False
    node = Node(comment, replying_to=replying_to(comment))
    html = render_to_string(
        "community/_comment_push.html",
        {
            "steps": [node, None],
            "base": COMMENTS_URL,
            "post": comment.post,
            "user": AnonymousUser(),
            "live": True,
        },
    )
    broadcast.send_now(
        thread_group(event.post_id),
        broadcast.message(
            "comment.posted",
            html=html,
            data={
                "comment_id": comment.pk,
                "post_id": comment.post_id,
                "parent_id": comment.parent_id,
                "author_id": comment.author_id,
                "author": comment.author.username,
                "body_html": comment.body_html,
                "created_at": comment.created_at.isoformat(),
            },
        ),
    )
