"""Every write of the forum: posts, comments, likes, and what moderators hide.

Each service authorises, validates, writes in one transaction and publishes its event
on commit. Counts on the post (comments, likes) change under the post's row lock, in
the same transaction as the rows they count, so they always equal the rows.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Block, User
from accounts.services import require_active
from community import markdown
from community.models import (
    COMMENT_BODY_MAX,
    POST_BODY_MAX,
    TITLE_MAX,
    Category,
    Comment,
    Post,
    Revision,
)
from focusmate.events import CommentPosted, ContentLiked, PostPublished, publish_on_commit
from focusmate.lib.ratelimit import hit, limit_for
from messaging.services import notify, notify_replacing

# Levels of nesting shown; a reply deeper than this shows flat, "replying to @name".
MAX_DEPTH = 6
# At most this many people are notified of mentions in one body.
MENTIONS_NOTIFIED = 10
# Control characters other than tab and newlines are refused (they hide text, and the
# search snippets use two of them as highlight markers).
_CONTROL = {chr(code) for code in range(32) if chr(code) not in "\t\n\r"} | {"\x7f"}


def _clean(value: str, *, field: str, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: f"The {field} can't be empty."})
    if len(value) > limit:
        raise ValidationError({field: f"Keep the {field} to {limit:,} characters."})
    if any(char in _CONTROL for char in value):
        raise ValidationError({field: f"The {field} contains characters that aren't allowed."})
    return value


def _render(body: str) -> tuple[str, dict[str, int]]:
    """The body's HTML and the people it mentions who exist ({username: id})."""
    names = markdown.mentioned_names(body)
    people = (
        dict(User.objects.filter(username__in=names, is_active=True).values_list("username", "pk"))
        if names
        else {}
    )
    return markdown.render(body, mentioned=people), people


def _index_for_search(post: Post) -> None:
    if connection.vendor != "postgresql":
        return  # SQLite searches with a plain LIKE (see queries.search_posts)
    from django.contrib.postgres.search import SearchVector

    Post.objects.filter(pk=post.pk).update(
        search_vector=SearchVector("title", weight="A", config="english")
        + SearchVector("body", weight="B", config="english")
    )


def _notify_unless_blocked(*, by: User, lines: dict[int, tuple[str, str]], kind: str) -> None:
    """Notifies each recipient id (text, url) unless it is `by`, or they have blocked `by`."""
    recipients = {user_id for user_id in lines if user_id != by.pk}
    if not recipients:
        return
    blocking = set(
        Block.objects.filter(blocker_id__in=recipients, blocked=by).values_list(
            "blocker_id", flat=True
        )
    )
    for user in User.objects.filter(pk__in=recipients - blocking, is_active=True):
        if kind == "mention":
            hit(
                f"mention:{by.pk}",
                limit=limit_for(by, normal=30, new_account=5),
                per_seconds=3600,
            )
        text, url = lines[user.pk]
        notify(user=user, text=text, url=url)


def _notify_mentions(*, by: User, people: dict[str, int], already: set[int], text: str, url: str):
    mentioned = [pk for pk in people.values() if pk not in already][:MENTIONS_NOTIFIED]
    _notify_unless_blocked(by=by, lines={pk: (text, url) for pk in mentioned}, kind="mention")


def _short(title: str, limit: int = 60) -> str:
    return title if len(title) <= limit else title[: limit - 1] + "…"


# --- Posts -----------------------------------------------------------------------------


@transaction.atomic
def post_create(*, author: User, category: Category, title: str, body: str) -> Post:
    require_active(user=author)
    title = _clean(title, field="title", limit=TITLE_MAX)
    body = _clean(body, field="body", limit=POST_BODY_MAX)
    # Refused, not let through, while the limit can't be counted: see "Faults" in docs/security.md.
    hit(
        f"post:{author.pk}",
        limit=limit_for(author, normal=10, new_account=3),
        per_seconds=3600,
        if_uncounted="refuse",
    )
    body_html, people = _render(body)
    post = Post.objects.create(
        author=author, category=category, title=title, body=body, body_html=body_html
    )
    _index_for_search(post)
    _notify_mentions(
        by=author,
        people=people,
        already=set(),
        text=f"@{author.username} mentioned you in “{_short(title)}”",
        url=post.get_absolute_url(),
    )
    publish_on_commit(
        PostPublished(post_id=post.pk, author_id=author.pk, category_slug=category.slug)
    )
    return post


def _require_author(content: Post | Comment, user: User) -> None:
    require_active(user=user)
    if content.author_id != user.pk:
        raise PermissionDenied("Only its author can change that.")


@transaction.atomic
def post_update(*, post: Post, by: User, title: str, body: str, category: Category) -> Post:
    """The author edits; the version before is kept for moderators, and the post shows
    "edited". Only people newly mentioned are notified."""
    _require_author(post, by)
    title = _clean(title, field="title", limit=TITLE_MAX)
    body = _clean(body, field="body", limit=POST_BODY_MAX)
    if (title, body, category.pk) == (post.title, post.body, post.category_id):
        return post
    hit(f"edit:{by.pk}", limit=60, per_seconds=3600)
    before = set(markdown.mentioned_names(post.body))
    Revision.objects.create(
        post=post, title=post.title, body=post.body, written_at=post.edited_at or post.created_at
    )
    post.body_html, people = _render(body)
    post.title, post.body, post.category = title, body, category
    post.edited_at = timezone.now()
    post.save(update_fields=["title", "body", "body_html", "category", "edited_at"])
    _index_for_search(post)
    _notify_mentions(
        by=by,
        people={name: pk for name, pk in people.items() if name not in before},
        already=set(),
        text=f"@{by.username} mentioned you in “{_short(title)}”",
        url=post.get_absolute_url(),
    )
    return post


@transaction.atomic
def post_delete(*, post: Post, by: User) -> None:
    """The author deletes the post and its thread."""
    _require_author(post, by)
    post.delete()


# --- Comments --------------------------------------------------------------------------


@transaction.atomic
def comment_create(
    *, post: Post, author: User, body: str, parent: Comment | None = None
) -> Comment:
    """A reply to the post, or to `parent` at any depth (beyond MAX_DEPTH levels it is
    shown at the deepest level, "replying to @name"). Notifies whom it answers and whom
    it mentions, unless they blocked the writer."""
    require_active(user=author)
    body = _clean(body, field="body", limit=COMMENT_BODY_MAX)
    locked = Post.objects.select_for_update().get(pk=post.pk)
    if parent is not None:
        if parent.post_id != post.pk:
            raise ValidationError("That comment belongs to another post.")
        if parent.deleted_at is not None:
            raise ValidationError("That comment was deleted; reply to the post instead.")
    hit(
        f"comment:{author.pk}",
        limit=limit_for(author, normal=60, new_account=10),
        per_seconds=3600,
        if_uncounted="refuse",
    )
    body_html, people = _render(body)
    flattened = parent is not None and parent.depth >= MAX_DEPTH - 1
    comment = Comment.objects.create(
        post=locked,
        author=author,
        parent=parent,
        shown_under_id=parent.shown_under_id if flattened else getattr(parent, "pk", None),
        depth=min(parent.depth + 1, MAX_DEPTH - 1) if parent else 0,
        body=body,
        body_html=body_html,
    )
    Post.objects.filter(pk=post.pk).update(
        comment_count=locked.comment_count + 1, last_activity_at=comment.created_at
    )
    answered = parent.author_id if parent else locked.author_id
    what = "your comment on" if parent else "your post"
    url = comment.get_absolute_url()
    _notify_unless_blocked(
        by=author,
        lines={answered: (f"@{author.username} replied to {what} “{_short(locked.title)}”", url)},
        kind="reply",
    )
    _notify_mentions(
        by=author,
        people=people,
        already={answered},
        text=f"@{author.username} mentioned you in a comment on “{_short(locked.title)}”",
        url=url,
    )
    publish_on_commit(CommentPosted(comment_id=comment.pk, post_id=post.pk, author_id=author.pk))
    return comment


@transaction.atomic
def comment_update(*, comment: Comment, by: User, body: str) -> Comment:
    _require_author(comment, by)
    if comment.deleted_at is not None:
        raise ValidationError("That comment was deleted.")
    body = _clean(body, field="body", limit=COMMENT_BODY_MAX)
    if body == comment.body:
        return comment
    hit(f"edit:{by.pk}", limit=60, per_seconds=3600)
    Revision.objects.create(
        comment=comment, body=comment.body, written_at=comment.edited_at or comment.created_at
    )
    comment.body_html, _ = _render(body)
    comment.body = body
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "body_html", "edited_at"])
    return comment


@transaction.atomic
def comment_delete(*, comment: Comment, by: User) -> None:
    """Its text goes; its place in the thread stays ("[deleted]") so replies keep theirs.
    The earlier text is kept as a revision for moderators."""
    _require_author(comment, by)
    if comment.deleted_at is not None:
        return
    Revision.objects.create(
        comment=comment, body=comment.body, written_at=comment.edited_at or comment.created_at
    )
    locked = Post.objects.select_for_update().get(pk=comment.post_id)
    comment.body = comment.body_html = ""
    comment.deleted_at = timezone.now()
    comment.save(update_fields=["body", "body_html", "deleted_at"])
    Post.objects.filter(pk=locked.pk).update(comment_count=max(locked.comment_count - 1, 0))


# --- Likes -----------------------------------------------------------------------------


def _toggle_like(
    *, locked: Post | Comment, user: User, likes, url: str, what: str
) -> tuple[bool, int]:
    """The like rows and the count of a locked post or comment: adds or removes `user`'s
    like, sets the count to the rows, and tells the author of a new like.

    `likes` is the related manager of the like rows (post.likes or comment.likes). Like
    notices have URLs of their own ("?likes"), so gathering them into one line never
    rewrites a mention or a reply notice that links to the same post or comment.
    """
    hit(f"like:{user.pk}", limit=limit_for(user, normal=120, new_account=30), per_seconds=600)
    deleted, _ = likes.filter(user=user).delete()
    if not deleted:
        like = likes.create(user=user)
    count = likes.count()
    type(locked).objects.filter(pk=locked.pk).update(like_count=count)
    if deleted:
        return False, count
    author = (
        User.objects.filter(pk=locked.author_id, is_active=True)
        .exclude(blocks_made__blocked=user)
        .first()
    )
    if author is not None:  # not banned, and hasn't blocked the liker
        notify_replacing(
            user=author,
            url=url,
            at=like.created_at,
            # "5 people liked …": one line per thing liked while unread, not five lines.
            text=lambda since: (
                f"@{user.username} liked {what}"
                if (n := likes.filter(created_at__gte=since).count()) <= 1
                else f"{n} people liked {what}"
            ),
        )
    publish_on_commit(ContentLiked(author_id=locked.author_id, liker_id=user.pk))
    return True, count


@transaction.atomic
def post_like_toggle(*, post: Post, user: User) -> tuple[bool, int]:
    """Likes the post, or takes the like back; returns (liked, the like count)."""
    require_active(user=user)
    locked = Post.objects.select_for_update().get(pk=post.pk)
    if locked.author_id == user.pk:
        raise ValidationError("You can't like your own post.")
    return _toggle_like(
        locked=locked,
        user=user,
        likes=locked.likes,
        url=f"{locked.get_absolute_url()}?likes",
        what=f"your post “{_short(locked.title)}”",
    )


@transaction.atomic
def comment_like_toggle(*, comment: Comment, user: User) -> tuple[bool, int]:
    require_active(user=user)
    locked = Comment.objects.select_for_update().get(pk=comment.pk)
    if locked.author_id == user.pk:
        raise ValidationError("You can't like your own comment.")
    if locked.deleted_at is not None:
        raise ValidationError("That comment was deleted.")
    return _toggle_like(
        locked=locked,
        user=user,
        likes=locked.likes,
        url=f"{reverse('community:post', args=[locked.post_id])}?likes#comment-{locked.pk}",
        what="your comment",
    )


# --- Moderation (called by moderation.services through the registry) -------------------


def content_set_hidden(*, content: Post | Comment, hidden: bool) -> None:
    type(content).objects.filter(pk=content.pk).update(is_hidden=hidden)
    content.is_hidden = hidden
