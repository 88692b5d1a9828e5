"""Who may see what in the forum, for pages and the API alike: content a reader may not
see (`community.queries.post_for_viewer` / `comment_for_viewer`) is a 404, whoever asks."""

from __future__ import annotations

from django.http import Http404, HttpRequest

from community import queries
from community.models import Comment, Post


def visible_post(request: HttpRequest, post_id: int) -> Post:
    post = queries.post_for_viewer(post_id=post_id, user=request.user)
    if post is None:
        raise Http404("No such post.")
    return post


def visible_comment(request: HttpRequest, comment_id: int) -> Comment:
    comment = queries.comment_for_viewer(comment_id=comment_id, user=request.user)
    if comment is None:
        raise Http404("No such comment.")
    return comment
