"""The forum at size: search and the list over 100,000 posts and 1,000,000 comments, and a
thread of 500 comments, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/focusmate DEBUG=false \\
        .venv/bin/python bench/forum.py [--posts 100000] [--comments 1000000] [--keep]

It fills a throw-away category with generated posts and comments (in SQL, a few seconds
per million rows), then times each page in this process through Django's whole request
path (middleware, view, queries, template): "server time", without a network or a
client in the way. The rows are deleted afterwards unless --keep is given (a later run
with --keep reuses them).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from harness import check_migrated

from accounts.models import User
from community.models import Category, Post

SLUG = "bench-forum"
WORDS = (  # noqa: SIM905  (a paragraph reads better than a list of 70 strings)
    "focus pomodoro timer break study thesis chapter deadline habit routine morning evening "
    "library coffee notes planning review exam project writing reading coding research "
    "energy sleep music silence distraction phone calendar goals progress streak community "
    "accountability motivation discipline flow session minutes hours week weekend garden "
    "kitchen window desk chair lamp notebook pencil keyboard screen garden river mountain "
    "python django database server query index search ranking snippet comment reply like"
).split()
QUERIES = ["pomodoro", "thesis deadline", "coffee", "morning routine", "django index",
           "distraction phone", "garden", "exam review", "streak", "silence music"]  # fmt: skip


# Deleting the bench's rows, children first.
CLEANUP = [
    """DELETE FROM community_commentlike WHERE comment_id IN (SELECT c.id FROM community_comment c
       JOIN community_post p ON p.id = c.post_id WHERE p.category_id = %s)""",
    """DELETE FROM community_comment WHERE post_id IN
       (SELECT id FROM community_post WHERE category_id = %s)""",
    """DELETE FROM community_postlike WHERE post_id IN
       (SELECT id FROM community_post WHERE category_id = %s)""",
    """DELETE FROM community_revision WHERE post_id IN
       (SELECT id FROM community_post WHERE category_id = %s)""",
    "DELETE FROM community_post WHERE category_id = %s",
]


def fill(posts: int, comments: int) -> tuple[Category, Post]:
    category, _ = Category.objects.get_or_create(slug=SLUG, defaults={"name": "Bench forum"})
    if Post.objects.filter(category=category).exists():
        print("reusing the rows of an earlier --keep run")
        return category, Post.objects.filter(category=category, title="The long thread").get()
    authors = []
    for number in range(50):
        user, _ = User.objects.get_or_create(
            username=f"forumbench{number}", defaults={"email": f"forumbench{number}@example.com"}
        )
        authors.append(user.pk)
    began = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO community_post (author_id, category_id, title, body, body_html,
                created_at, last_activity_at, is_hidden, like_count, comment_count)
            SELECT (%(authors)s)[1 + i %% 50], %(category)s,
                   initcap(w[1 + (i * 7) %% %(n)s]) || ' ' || w[1 + (i * 13) %% %(n)s]
                       || ' ' || w[1 + (i * 29) %% %(n)s],
                   body, '<p>' || body || '</p>',
                   now() - (i || ' minutes')::interval, now() - (i || ' minutes')::interval,
                   false, i %% 17, 0
            FROM generate_series(1, %(posts)s) AS i,
                 LATERAL (SELECT %(words)s::text[] AS w) AS vocabulary,
                 LATERAL (
                     SELECT string_agg(w[1 + floor(random() * %(n)s)::int + 0 * j], ' ')
                         AS body
                     FROM generate_series(1, 40 + i %% 3 * 0) AS j
                 ) AS generated
            """,
            {
                "authors": authors,
                "category": category.pk,
                "posts": posts,
                "words": WORDS,
                "n": len(WORDS),
            },
        )
        cursor.execute(
            """
            UPDATE community_post SET search_vector =
                setweight(to_tsvector('english', title), 'A')
                || setweight(to_tsvector('english', body), 'B')
            WHERE category_id = %s
            """,
            [category.pk],
        )
    # One INSERT takes consecutive ids from the sequence: comments spread over them by
    # arithmetic, not by a lookup per row.
    first = Post.objects.filter(category=category).order_by("pk").values_list("pk", flat=True)[0]
    thread = Post.objects.create(
        author_id=authors[0], category=category, title="The long thread", body="b", body_html="b"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO community_comment (post_id, author_id, depth, body, body_html,
                created_at, is_hidden, like_count)
            SELECT %(first)s + i %% %(posts)s, (%(authors)s)[1 + i %% 50], 0, 'Comment ' || i,
                   '<p>Comment ' || i || '</p>', now() - (i || ' seconds')::interval, false, 0
            FROM generate_series(1, %(comments)s) AS i
            """,
            {"authors": authors, "first": first, "comments": comments - 500, "posts": posts},
        )
        # The long thread: 500 comments, a reply chain mixed in, so the tree has depth.
        cursor.execute(
            """
            INSERT INTO community_comment (post_id, author_id, depth, body, body_html,
                created_at, is_hidden, like_count)
            SELECT %(post)s, (%(authors)s)[1 + i %% 50], 0, 'Reply ' || i,
                   '<p>Reply <strong>' || i || '</strong></p>',
                   now() + (i || ' milliseconds')::interval, false, i %% 3
            FROM generate_series(1, 500) AS i
            """,
            {"post": thread.pk, "authors": authors},
        )
        cursor.execute(
            """
            UPDATE community_comment AS c SET parent_id = p.id, shown_under_id = p.id, depth = 1
            FROM community_comment AS p
            WHERE c.post_id = %(post)s AND p.post_id = %(post)s AND c.id = p.id + 1
              AND c.id %% 4 = 0
            """,
            {"post": thread.pk},
        )
        cursor.execute("ANALYZE community_post; ANALYZE community_comment;")
    print(
        f"filled {posts:,} posts and {comments:,} comments in {time.perf_counter() - began:.1f} s"
    )
    return category, thread


def timed(client: Client, url: str, runs: int) -> tuple[list[float], int, int]:
    client.get(url)  # warm the connection and caches once
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return times, len(queries), len(response.content)


def line(label: str, times: list[float], queries: int, size: int) -> str:
    ordered = sorted(times)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return (
        f"{label:<34} p50 {statistics.median(times):6.1f} ms  p95 {p95:6.1f} ms  "
        f"({queries} queries, {size / 1024:.0f} KiB)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--comments", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="keep the rows for another run")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench/forum.py measures PostgreSQL: set DATABASE_URL=postgres://...")
    check_migrated()
    category, thread = fill(args.posts, args.comments)
    reader = User.objects.get(username="forumbench1")
    client = Client()
    client.force_login(reader)
    lines = []
    search_times: list[float] = []
    for words in QUERIES:
        times, queries, size = timed(client, f"/community/?q={words}", args.runs // 3)
        search_times += times
    lines.append(line(f"search, {len(QUERIES)} queries", search_times, queries, size))
    for label, url in [
        ("list, newest, page 1", "/community/"),
        ("list, active, page 1", "/community/?sort=active"),
        ("list, top this week", "/community/?sort=top"),
        ("list, newest, page 2000", "/community/?page=2000"),
        ("thread of 500 comments", thread.get_absolute_url()),
    ]:
        lines.append(line(label, *timed(client, url, args.runs)))
    total = Post.objects.count()
    print("```")
    print(f"{total:,} posts; server time through the whole Django request path, {args.runs} runs")
    print("\n".join(lines))
    print("```")
    if not args.keep:
        began = time.perf_counter()
        with connection.cursor() as cursor:  # in SQL: the ORM would load a million rows
            for statement in CLEANUP:
                cursor.execute(statement, [category.pk])
        category.delete()
        User.objects.filter(username__startswith="forumbench").delete()
        print(f"cleaned up in {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
