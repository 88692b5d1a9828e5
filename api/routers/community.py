"""Community: posts, their nested comments, and likes; the forum's services and queries.

What a caller may read is the forum's one visibility rule (hidden content and banned
authors only for their authors and moderators); a post or comment they may not see is a
404. Only an author edits or deletes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from api.schemas import ERRORS, BodyId, Id, In, Out, PathId, PersonOut, Text, either
from community import queries, services
from community.access import visible_comment, visible_post
from community.models import COMMENT_BODY_MAX, POST_BODY_MAX, TITLE_MAX, Category, Post

router = Router(tags=["Community"])


class PostOut(Out):
    # The original's fields
    id: Id
    user_id: Id = Field(description="The author's id.")
    author_username: str
    title: str
    content: str = Field(description="As written (Markdown): our `body`.")
    category: str = Field(description="The category's slug.")
    likes: int = Field(description="Our `like_count`.")
    comment_count: int
    is_pinned: bool = Field(description="Focus Mate pins nothing: always false.")
    created_at: datetime
    updated_at: datetime | None = Field(description="When last edited (null if never).")
    # Ours
    body: str = Field(description="As written (Markdown).")
    body_html: str = Field(description="Rendered and sanitised, as the site shows it.")
    category_name: str
    author: PersonOut
    edited_at: datetime | None
    like_count: int
    liked: bool = Field(description="Whether you like it.")
    is_hidden: bool = Field(description="Hidden by a moderator (only its author sees it).")


class PostIn(In):
    title: Text = Field(min_length=1, max_length=TITLE_MAX)
    body: Text = either("body", "content", min_length=1, max_length=POST_BODY_MAX)
    category: Text = Field(
        default="general", max_length=60, description="A category's slug (or its name)."
    )


class PostUpdateIn(In):
    """Any field left out keeps its value."""

    title: Text | None = Field(default=None, min_length=1, max_length=TITLE_MAX)
    body: Text | None = either(
        "body", "content", default=None, min_length=1, max_length=POST_BODY_MAX
    )
    category: Text | None = Field(default=None, max_length=60)


class PostListQuery(Schema):
    category: Text = Field(default="", max_length=60)
    sort: Literal["new", "active", "top"] = "new"
    q: Text = Field(default="", max_length=100, description="Search titles and bodies.")
    skip: int = Field(default=0, ge=0, le=100_000)
    limit: int = Field(default=20, ge=1, le=100)


class CommentOut(Out):
    # The original's fields
    id: Id
    post_id: Id
    user_id: Id | None = Field(description="The author's id; null once deleted or withheld.")
    content: str = Field(description="Our `body`; empty once deleted or withheld.")
    parent_comment_id: Id | None = Field(description="Our `parent_id`.")
    likes: int = Field(description="Our `like_count`.")
    replies: list[CommentOut] = Field(description="Past six levels, replies are flat.")
    created_at: datetime
    updated_at: datetime | None = Field(description="When last edited (null if never).")
    # Ours
    parent_id: Id | None
    author: PersonOut | None = Field(description="Empty once deleted or when withheld.")
    body: str
    body_html: str
    edited_at: datetime | None
    deleted: bool
    like_count: int
    liked: bool


class CommentIn(In):
    body: Text = either("body", "content", min_length=1, max_length=COMMENT_BODY_MAX)
    parent_id: BodyId | None = either("parent_id", "parent_comment_id", default=None)


class CommentUpdateIn(In):
    body: Text = either("body", "content", min_length=1, max_length=COMMENT_BODY_MAX)


class LikeOut(Out):
    liked: bool
    like_count: int
    likes: int = Field(description="The original's name for `like_count`.")


class DeletedOut(Out):
    deleted: bool


def _category(slug: str) -> Category:
    """By slug, or as the original's clients may name it ("Study tips", "study_tips")."""
    category = Category.objects.filter(
        Q(slug=slug) | Q(slug=slug.lower().replace("_", "-")) | Q(name__iexact=slug)
    ).first()
    if category is None:
        raise ValidationError(f"There's no category “{slug}”.")
    return category


def post_out(post: Post) -> dict:
    return {
        "id": post.pk,
        "user_id": post.author_id,
        "author_username": post.author.username,
        "title": post.title,
        "content": post.body,
        "category": post.category.slug,
        "likes": post.like_count,
        "comment_count": post.comment_count,
        "is_pinned": False,
        "created_at": post.created_at,
        "updated_at": post.edited_at,
        "body": post.body,
        "body_html": post.body_html,
        "category_name": post.category.name,
        "author": {"id": post.author_id, "username": post.author.username},
        "edited_at": post.edited_at,
        "like_count": post.like_count,
        "liked": bool(getattr(post, "liked", False)),
        "is_hidden": post.is_hidden,
    }


def comment_out(node: queries.Node) -> dict:
    comment = node.comment
    gone = comment.deleted_at is not None or getattr(comment, "withheld", False)
    body = "" if gone else comment.body
    return {
        "id": comment.pk,
        "post_id": comment.post_id,
        "user_id": None if gone else comment.author_id,
        "content": body,
        "parent_comment_id": comment.parent_id,
        "likes": comment.like_count,
        "replies": [comment_out(child) for child in node.children],
        "created_at": comment.created_at,
        "updated_at": comment.edited_at,
        "parent_id": comment.parent_id,
        "author": None if gone else {"id": comment.author_id, "username": comment.author.username},
        "body": body,
        "body_html": "" if gone else comment.body_html,
        "edited_at": comment.edited_at,
        "deleted": comment.deleted_at is not None,
        "like_count": comment.like_count,
        "liked": bool(getattr(comment, "liked", False)),
    }


@router.post("/posts", response={201: PostOut, **ERRORS})
def post_create(request: HttpRequest, payload: PostIn):
    post = services.post_create(
        author=request.user,
        category=_category(payload.category),
        title=payload.title,
        body=payload.body,
    )
    return Status(201, post_out(visible_post(request, post.pk)))


@router.get("/posts", response={200: list[PostOut], **ERRORS})
def post_list(request: HttpRequest, filters: Query[PostListQuery]):
    """Newest first (or `active`, or `top` of this week); with `q`, the best matches."""
    category = Category.objects.filter(slug=filters.category).first() if filters.category else None
    posts = queries.post_list(
        user=request.user, category=category, sort=filters.sort, search=filters.q.strip()
    ).defer(None)  # the answer carries bodies
    return [post_out(post) for post in posts[filters.skip : filters.skip + filters.limit]]


@router.get("/posts/{post_id}", response={200: PostOut, **ERRORS})
def post_read(request: HttpRequest, post_id: PathId):
    return post_out(visible_post(request, post_id))


@router.put("/posts/{post_id}", response={200: PostOut, **ERRORS})
def post_update(request: HttpRequest, post_id: PathId, payload: PostUpdateIn):
    post = visible_post(request, post_id)
    services.post_update(
        post=post,
        by=request.user,
        title=payload.title if payload.title is not None else post.title,
        body=payload.body if payload.body is not None else post.body,
        category=_category(payload.category) if payload.category else post.category,
    )
    return post_out(visible_post(request, post_id))


@router.delete("/posts/{post_id}", response={200: DeletedOut, **ERRORS})
def post_delete(request: HttpRequest, post_id: PathId):
    services.post_delete(post=visible_post(request, post_id), by=request.user)
    return {"deleted": True}


@router.post("/posts/{post_id}/like", response={200: LikeOut, **ERRORS})
def post_like(request: HttpRequest, post_id: PathId):
    """Likes the post, or takes your like back (a toggle). Not your own."""
    liked, count = services.post_like_toggle(post=visible_post(request, post_id), user=request.user)
    return {"liked": liked, "like_count": count, "likes": count}


@router.post("/posts/{post_id}/comments", response={201: CommentOut, **ERRORS})
def comment_create(request: HttpRequest, post_id: PathId, payload: CommentIn):
    """A reply to the post, or with `parent_id` to one of its comments."""
    post = visible_post(request, post_id)
    parent = visible_comment(request, payload.parent_id) if payload.parent_id else None
    comment = services.comment_create(
        post=post, author=request.user, body=payload.body, parent=parent
    )
    comment.withheld = False
    return Status(201, comment_out(queries.Node(comment)))


@router.get("/posts/{post_id}/comments", response={200: list[CommentOut], **ERRORS})
def comment_list(request: HttpRequest, post_id: PathId):
    """The post's comments as a tree (one query), as the post's page shows them."""
    post = visible_post(request, post_id)
    return [comment_out(node) for node in queries.comment_tree(post=post, user=request.user)]


@router.put("/comments/{comment_id}", response={200: CommentOut, **ERRORS})
def comment_update(request: HttpRequest, comment_id: PathId, payload: CommentUpdateIn):
    comment = services.comment_update(
        comment=visible_comment(request, comment_id), by=request.user, body=payload.body
    )
    comment.withheld = False
    return comment_out(queries.Node(comment))


@router.delete("/comments/{comment_id}", response={200: DeletedOut, **ERRORS})
def comment_delete(request: HttpRequest, comment_id: PathId):
    """Its text goes; replies keep their place under "[deleted]"."""
    services.comment_delete(comment=visible_comment(request, comment_id), by=request.user)
    return {"deleted": True}


@router.post("/comments/{comment_id}/like", response={200: LikeOut, **ERRORS})
def comment_like(request: HttpRequest, comment_id: PathId):
    liked, count = services.comment_like_toggle(
        comment=visible_comment(request, comment_id), user=request.user
    )
    return {"liked": liked, "like_count": count, "likes": count}
