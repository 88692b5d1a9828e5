"""Reads for the forum's screens, each a fixed number of queries whatever the data size."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from accounts.models import Block, User
from community.models import Category, Comment, CommentLike, Post, PostLike
from moderation.services import is_moderator

SORTS = ("new", "active", "top")
SEARCH_CANDIDATES = 1000
# The comments' actions are under this prefix: the thread's template adds "<id>/like/"
# and so on, rather than reversing six URLs for each of hundreds of comments.
COMMENTS_URL = "/community/comments/"
# Highlight markers for search snippets: control characters no body may contain (the
# services refuse them), so the snippet is escaped whole and only these become <mark>.
_MARK_ON, _MARK_OFF = "\x02", "\x03"


def visible_posts(user: User) -> QuerySet[Post]:
    return Post.objects.visible_to(user, moderator=is_moderator(user=user))


def post_list(
    *, user: User, category: Category | None = None, sort: str = "new", search: str = ""
) -> QuerySet[Post]:
    """The list page's posts: with their author and category in the same query, and
    whether the reader blocked the author (those rows collapse)."""
    # The list shows no body: only a search on SQLite reads it (for its snippet).
    unread = ["body_html", "search_vector"]
    if not (search and connection.vendor == "sqlite"):
        unread.append("body")
    posts = visible_posts(user)
    if category is not None:
        posts = posts.filter(category=category)
    if search:
        posts = _search(posts, search)

    def shown(rows: QuerySet[Post]) -> QuerySet[Post]:
        rows = rows.select_related("author", "category").defer(*unread)
        if user.is_authenticated:
            blocked = Block.objects.filter(blocker=user, blocked=OuterRef("author"))
            rows = rows.annotate(author_blocked=Exists(blocked))
        return rows

    if search:
        return shown(posts)
    posts = shown(posts)
    if sort == "active":
        return posts.order_by("-last_activity_at", "-pk")
    if sort == "top":
        week_ago = timezone.now() - timedelta(days=7)
        return posts.filter(created_at__gte=week_ago).order_by("-like_count", "-created_at", "-pk")
    return posts.order_by("-created_at", "-pk")


def _search(posts: QuerySet[Post], search: str) -> QuerySet[Post]:
    """PostgreSQL: full-text search on the stored, GIN-indexed vector (title weighs more
    than body), ranked, with highlighted snippets. A word found in half of all posts
    would have every match ranked and counted, so ranking looks at the newest
    SEARCH_CANDIDATES matches: the best of the recent ones come first.

    SQLite: posts with every word somewhere in the title or body, newest first, and the
    body's opening as the snippet."""
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank

        query = SearchQuery(search, search_type="websearch", config="english")
        newest = (
            posts.filter(search_vector=query)
            .order_by("-created_at", "-pk")
            .values("pk")[:SEARCH_CANDIDATES]
        )
        # The candidates already passed the visibility rule; repeating it here made the
        # planner scan every post to join them (160 ms), not fetch 1,000 by id.
        return (
            Post.objects.filter(pk__in=newest)
            .annotate(
                rank=SearchRank(F("search_vector"), query),
                headline=SearchHeadline(
                    "body",
                    query,
                    config="english",
                    start_sel=_MARK_ON,
                    stop_sel=_MARK_OFF,
                    max_words=30,
                    min_words=12,
                ),
            )
            .order_by("-rank", "-created_at", "-pk")
        )
    words = Q()
    for word in search.split()[:8]:
        words &= Q(title__icontains=word) | Q(body__icontains=word)
    return posts.filter(words).order_by("-created_at", "-pk")


@dataclass
class Page:
    """A page of a list, without counting the whole list: it reads one row more than it
    shows to know whether there is a next page. (Counting 100,000 visible posts cost
    more than reading the page.)"""

    object_list: list
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1


def page_of(items: QuerySet, *, number: str | None, size: int) -> Page:
    """Page `number` (1 for anything that isn't a sensible page number)."""
    try:
        page = int(number or 1)
    except ValueError:
        page = 1
    page = min(max(page, 1), 10_000)
    start = (page - 1) * size
    rows = list(items[start : start + size + 1])
    return Page(object_list=rows[:size], number=page, has_next=len(rows) > size)


def snippet(post: Post) -> SafeString:
    """The search snippet, escaped, with the matches marked."""
    text = getattr(post, "headline", None) or post.body[:200]
    return mark_safe(  # noqa: S308  (escaped first; only our markers become tags)
        escape(text).replace(_MARK_ON, "<mark>").replace(_MARK_OFF, "</mark>")
    )


def post_for_viewer(*, post_id: int, user: User) -> Post | None:
    """The post if this reader may see it, with whether they liked it and blocked its
    author, in one query."""
    posts = visible_posts(user).select_related("author", "category").filter(pk=post_id)
    if user.is_authenticated:
        posts = posts.annotate(
            liked=Exists(PostLike.objects.filter(post=OuterRef("pk"), user=user)),
            author_blocked=Exists(Block.objects.filter(blocker=user, blocked=OuterRef("author"))),
        )
    return posts.first()


def comment_for_viewer(*, comment_id: int, user: User) -> Comment | None:
    """The comment, with its post and author, if this reader may see both (one query)."""
    moderator = is_moderator(user=user)
    return (
        Comment.objects.visible_to(user, moderator=moderator)
        .filter(pk=comment_id, post__in=Post.objects.visible_to(user, moderator=moderator))
        .select_related("post", "author")
        .first()
    )


@dataclass
class Node:
    comment: Comment
    replying_to: str = ""  # shown when flattened beyond the deepest level
    children: list[Node] = field(default_factory=list)
    # The id as text, ready for the template: it is written a dozen times per comment,
    # and a number would be localised each time.
    id: str = ""
    # When it was written, in the reader's time zone: as text once here, since Django's
    # date filter costs a tenth of a long thread's rendering.
    written: str = ""
    written_iso: str = ""

    def __post_init__(self) -> None:
        self.id = str(self.comment.pk)
        local = timezone.localtime(self.comment.created_at)
        self.written = f"{local.day} {local:%b, %H:%M}"
        self.written_iso = local.isoformat()


def comment_tree(*, post: Post, user: User) -> list[Node]:
    """The post's comments as a tree, from one query.

    Hidden comments (and those of banned people) are left out for readers, except their
    own; one that has visible replies stays as a "[deleted]"-style placeholder so the
    replies keep their place. Deeper than the deepest level, replies hang flat under
    their deepest ancestor, saying whom they answer.
    """
    comments = (
        Comment.objects.filter(post=post).select_related("author").order_by("created_at", "pk")
    )
    if user.is_authenticated:
        comments = comments.annotate(
            liked=Exists(CommentLike.objects.filter(comment=OuterRef("pk"), user=user)),
            author_blocked=Exists(Block.objects.filter(blocker=user, blocked=OuterRef("author"))),
        )
    moderator = is_moderator(user=user)
    nodes: dict[int, Node] = {}
    roots: list[Node] = []
    for comment in comments:
        comment.withheld = not moderator and not _readable(comment, user)
        node = Node(comment)
        nodes[comment.pk] = node
        container = nodes.get(comment.shown_under_id) if comment.shown_under_id else None
        if container is None:
            roots.append(node)
            continue
        if comment.parent_id != comment.shown_under_id:
            replied = nodes.get(comment.parent_id)
            node.replying_to = replied.comment.author.username if replied else ""
        container.children.append(node)
    return _prune(roots)


def replying_to(comment: Comment) -> str:
    """Whom a flattened reply answers (its parent is beside it, not above it)."""
    if comment.parent_id and comment.parent_id != comment.shown_under_id:
        return comment.parent.author.username
    return ""


def steps(nodes: list[Node]) -> list[Node | None]:
    """The tree as the flat run the thread template renders: each node, then its replies'
    steps, then None to close it (no recursion in the template, which is slow in Django's)."""
    run: list[Node | None] = []
    stack: list[tuple[Node, int]] = [(node, 0) for node in reversed(nodes)]
    while stack:
        node, seen = stack.pop()
        if seen:
            run.append(None)
            continue
        run.append(node)
        stack.append((node, 1))
        stack.extend((child, 0) for child in reversed(node.children))
    return run


def _readable(comment: Comment, user: User) -> bool:
    if user.is_authenticated and comment.author_id == user.pk:
        return True
    return not comment.is_hidden and comment.author.is_active


def _prune(nodes: list[Node]) -> list[Node]:
    """Drops withheld or deleted comments that have nothing visible under them."""
    kept = []
    for node in nodes:
        node.children = _prune(node.children)
        gone = node.comment.withheld or node.comment.deleted_at is not None
        if not gone or node.children:
            kept.append(node)
    return kept


def recent_posts(*, author: User, user: User, limit: int = 5) -> list[Post]:
    return list(
        visible_posts(user)
        .filter(author=author)
        .select_related("category")
        .order_by("-created_at", "-pk")[:limit]
    )
