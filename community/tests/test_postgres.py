"""What only PostgreSQL can show: likes toggled at once, and full-text search."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from accounts.tests.factories import UserFactory
from community import queries, services
from community.models import Post, PostLike

NEEDS_POSTGRES = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="NEEDS POSTGRESQL (DATABASE_URL=postgres://...): SQLite serialises writers and has "
    "no full-text search; the SQLite fallback search is tested in test_search_fallback.",
)


def _at_once(jobs) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(len(jobs))

    def run(job):
        try:
            start.wait()
            job()
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@NEEDS_POSTGRES
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("same_person", [False, True], ids=["ten-people", "one-person-ten-times"])
def test_ten_concurrent_like_toggles_leave_the_count_equal_to_the_rows(same_person, general):
    author = UserFactory()
    post = services.post_create(author=author, category=general, title="Race", body="b")
    one = UserFactory()
    likers = [one] * 10 if same_person else UserFactory.create_batch(10)

    errors = _at_once(
        [lambda liker=liker: services.post_like_toggle(post=post, user=liker) for liker in likers]
    )

    assert errors == []
    post.refresh_from_db()
    rows = PostLike.objects.filter(post=post).count()
    assert post.like_count == rows
    assert rows == (0 if same_person else 10)  # ten toggles by one person end unliked


@NEEDS_POSTGRES
@pytest.mark.django_db
def test_search_ranks_title_hits_above_body_hits_and_stems(alice, general):
    in_body = services.post_create(
        author=alice, category=general, title="Morning notes", body="Planning my pomodoros."
    )
    in_title = services.post_create(
        author=alice, category=general, title="Pomodoro planning", body="Short text."
    )
    services.post_create(author=alice, category=general, title="Unrelated", body="Nothing.")

    found = list(queries.post_list(user=alice, search="pomodoro"))

    assert found == [in_title, in_body]  # "pomodoros" matched "pomodoro": stemming
    assert queries.snippet(found[1]) == "Planning my <mark>pomodoros</mark>."


@NEEDS_POSTGRES
@pytest.mark.django_db
def test_search_finds_edits_and_escapes_snippets(alice, general):
    post = services.post_create(author=alice, category=general, title="T", body="old words")
    services.post_update(
        post=post,
        by=alice,
        title="T",
        body="<script>x</script> fresh concentration",
        category=general,
    )
    assert list(queries.post_list(user=alice, search="concentrate")) == [post]
    assert list(queries.post_list(user=alice, search="old")) == []
    html = queries.snippet(queries.post_list(user=alice, search="fresh")[0])
    assert "<script" not in html and "<mark>fresh</mark>" in html


def test_a_snippet_is_escaped_and_only_the_marks_become_markup():
    post = Post(body="unused")
    post.headline = 'a & b \x02fresh\x03 <i onclick="x">'
    assert queries.snippet(post) == "a &amp; b <mark>fresh</mark> &lt;i onclick=&quot;x&quot;&gt;"


@NEEDS_POSTGRES
@pytest.mark.django_db
def test_search_keeps_the_visibility_rule(alice, bob, general):
    post = services.post_create(author=alice, category=general, title="Secret plan", body="b")
    Post.objects.filter(pk=post.pk).update(is_hidden=True)
    assert list(queries.post_list(user=bob, search="plan")) == []
    assert list(queries.post_list(user=alice, search="plan")) == [post]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="THE SQLITE FALLBACK RUNS ON SQLITE ONLY")
@pytest.mark.django_db
def test_search_fallback_on_sqlite_matches_every_word(alice, general):
    both = services.post_create(author=alice, category=general, title="Deep work", body="timer")
    services.post_create(author=alice, category=general, title="Deep sleep", body="none")
    assert list(queries.post_list(user=alice, search="deep TIMER")) == [both]
