"""Every forum URL and method as the author (Alice), another member (Bob), a moderator
(Morgan, in the Moderators group) and an anonymous visitor."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.services import user_block
from accounts.tests.factories import UserFactory
from community import services
from community.models import Comment, Post, PostLike
from moderation.models import ModerationAction, Report

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


@pytest.fixture
def as_(client, alice, bob, mod):
    """Logs the client in as a persona by name (or out, for "anon")."""

    def log_in(persona: str):
        client.logout()
        if persona != "anon":
            client.force_login({"author": alice, "member": bob, "moderator": mod}[persona])
        return client

    return log_in


def status_of(response) -> int | str:
    if response.status_code == 302 and response["Location"].startswith(LOGIN):
        return "login"
    return response.status_code


PERSONAS = ["author", "member", "moderator", "anon"]


@pytest.mark.parametrize(
    ("method", "name", "data", "expected"),
    [
        (
            "get",
            "community:list",
            None,
            {"author": 200, "member": 200, "moderator": 200, "anon": 200},
        ),
        (
            "get",
            "community:create",
            None,
            {"author": 200, "member": 200, "moderator": 200, "anon": "login"},
        ),
        (
            "get",
            "community:post",
            None,
            {"author": 200, "member": 200, "moderator": 200, "anon": 200},
        ),
        (
            "get",
            "community:post_edit",
            None,
            {"author": 200, "member": 403, "moderator": 403, "anon": "login"},
        ),
        (
            "post",
            "community:post_edit",
            {"title": "T2", "body": "B2", "category": "general"},
            {"author": 302, "member": 403, "moderator": 403, "anon": "login"},
        ),
        (
            "get",
            "community:post_delete",
            None,
            {"author": 200, "member": 403, "moderator": 403, "anon": "login"},
        ),
        (
            "post",
            "community:post_delete",
            {},
            {"author": 302, "member": 403, "moderator": 403, "anon": "login"},
        ),
        (
            "get",
            "community:post_like",
            None,
            {"author": 405, "member": 405, "moderator": 405, "anon": "login"},
        ),
        (
            "post",
            "community:post_like",
            {},
            {"author": 302, "member": 302, "moderator": 302, "anon": "login"},
        ),
        (
            "post",
            "community:comment_create",
            {"body": "Hi"},
            {"author": 302, "member": 302, "moderator": 302, "anon": "login"},
        ),
        (
            "get",
            "community:post_report",
            None,
            {"author": 200, "member": 200, "moderator": 200, "anon": "login"},
        ),
        (
            "post",
            "community:post_report",
            {"reason": "spam"},
            {"author": 422, "member": 302, "moderator": 302, "anon": "login"},
        ),
        (
            "post",
            "community:post_moderate",
            {"action": "hide"},
            {"author": 403, "member": 403, "moderator": 302, "anon": "login"},
        ),
    ],
)
def test_post_urls(as_, post, general, method, name, data, expected):
    got = {}
    for persona in PERSONAS:
        Post.objects.filter(pk=post.pk).update(is_hidden=False)
        if not Post.objects.filter(pk=post.pk).exists():
            post = services.post_create(
                author=post.author, category=general, title="Again", body="b"
            )
        Report.objects.all().delete()
        client = as_(persona)
        url = reverse(
            name, args=[] if name in ("community:list", "community:create") else [post.pk]
        )
        body = {**(data or {}), **({"category": general.pk} if data and "category" in data else {})}
        got[persona] = status_of(getattr(client, method)(url, body))
    assert got == expected


@pytest.mark.parametrize(
    ("method", "name", "data", "expected"),
    [
        (
            "get",
            "community:comment_edit",
            None,
            {"author": 200, "member": 403, "moderator": 403, "anon": "login"},
        ),
        (
            "post",
            "community:comment_edit",
            {"body": "changed"},
            {"author": 302, "member": 403, "moderator": 403, "anon": "login"},
        ),
        (
            "get",
            "community:comment_delete",
            None,
            {"author": 200, "member": 403, "moderator": 403, "anon": "login"},
        ),
        (
            "post",
            "community:comment_delete",
            {},
            {"author": 302, "member": 403, "moderator": 403, "anon": "login"},
        ),
        (
            "post",
            "community:comment_like",
            {},
            {"author": 302, "member": 302, "moderator": 302, "anon": "login"},
        ),
        (
            "get",
            "community:comment_report",
            None,
            {"author": 200, "member": 200, "moderator": 200, "anon": "login"},
        ),
        (
            "post",
            "community:comment_report",
            {"reason": "off_topic"},
            {"author": 422, "member": 302, "moderator": 302, "anon": "login"},
        ),
        (
            "post",
            "community:comment_moderate",
            {"action": "hide"},
            {"author": 403, "member": 403, "moderator": 302, "anon": "login"},
        ),
    ],
)
def test_comment_urls(as_, post, alice, method, name, data, expected):
    # Here the comment is Alice's, so "author" is its author and Bob another member.
    got = {}
    for persona in PERSONAS:
        comment = services.comment_create(post=post, author=alice, body="Mine")
        Report.objects.all().delete()
        client = as_(persona)
        got[persona] = status_of(
            getattr(client, method)(reverse(name, args=[comment.pk]), data or {})
        )
    assert got == expected


@pytest.mark.parametrize(
    ("method", "name", "data", "expected"),
    [
        (
            "get",
            "community:user_report",
            None,
            {"author": 200, "member": 200, "moderator": 200, "anon": "login"},
        ),
        (
            "post",
            "community:user_report",
            {"reason": "harassment"},
            {"author": 422, "member": 302, "moderator": 302, "anon": "login"},
        ),
        (
            "post",
            "community:user_block",
            {},
            {"author": 302, "member": 302, "moderator": 302, "anon": "login"},
        ),
        (
            "get",
            "community:user_block",
            None,
            {"author": 405, "member": 405, "moderator": 405, "anon": "login"},
        ),
        (
            "get",
            "community:user_posts",
            None,
            {"author": 200, "member": 200, "moderator": 200, "anon": 200},
        ),
    ],
)
def test_people_urls(as_, alice, method, name, data, expected):
    got = {}
    for persona in PERSONAS:
        Report.objects.all().delete()
        client = as_(persona)
        got[persona] = status_of(getattr(client, method)(reverse(name, args=["alice"]), data or {}))
    assert got == expected


def test_a_hidden_post_is_gone_for_readers_but_not_its_author_or_moderators(as_, post, mod):
    Post.objects.filter(pk=post.pk).update(is_hidden=True)
    url = post.get_absolute_url()
    assert as_("member").get(url).status_code == 404
    assert as_("anon").get(url).status_code == 404
    assert "Hidden by a moderator" in as_("author").get(url).content.decode()
    assert as_("moderator").get(url).status_code == 200
    assert "How I plan my week" not in as_("member").get(reverse("community:list")).content.decode()


def test_a_banned_authors_posts_leave_the_public_pages(as_, post, alice):
    alice.is_active = False
    alice.save()
    assert as_("member").get(post.get_absolute_url()).status_code == 404
    assert as_("moderator").get(post.get_absolute_url()).status_code == 200


def test_creating_a_post_shows_errors_and_keeps_the_text(as_):
    response = as_("member").post(
        reverse("community:create"), {"title": "", "body": "my long text", "category": "general"}
    )
    assert response.status_code == 422
    assert "my long text" in response.content.decode()
    assert not Post.objects.exists()


def test_creating_a_post_redirects_to_it(as_, general):
    response = as_("member").post(
        reverse("community:create"), {"title": "Hi", "body": "**x**", "category": general.pk}
    )
    post = Post.objects.get()
    assert response["Location"] == post.get_absolute_url()


def test_an_htmx_like_answers_the_button(as_, post):
    response = as_("member").post(
        reverse("community:post_like", args=[post.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert 'aria-pressed="true"' in response.content.decode()
    assert PostLike.objects.filter(post=post).count() == 1


def test_an_htmx_like_of_ones_own_post_says_why(as_, post):
    response = as_("author").post(
        reverse("community:post_like", args=[post.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400
    assert response.content.decode() == "You can't like your own post."


def test_an_htmx_comment_answers_with_the_comment_in_place(as_, post, comment):
    response = as_("author").post(
        reverse("community:comment_create", args=[post.pk]),
        {"body": "A reply", "parent": comment.pk},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    reply = Comment.objects.get(body="A reply")
    assert f'hx-swap-oob="beforeend:#replies-{comment.pk}"' in html
    assert f'id="comment-{reply.pk}"' in html and "data-own" in html


def test_a_reply_to_a_comment_of_another_post_is_refused(as_, post, alice, general, comment):
    other = services.post_create(author=alice, category=general, title="Other", body="b")
    response = as_("member").post(
        reverse("community:comment_create", args=[other.pk]),
        {"body": "x", "parent": comment.pk},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    assert Comment.objects.filter(post=other).count() == 0


def test_the_list_filters_sorts_and_pages(as_, alice, general, veteran):
    tips = general.__class__.objects.get(slug="study-tips")
    for number in range(22):
        Post.objects.create(
            author=veteran,
            category=tips if number % 2 else general,
            title=f"P{number}",
            body="b",
            body_html="b",
        )
    client = as_("member")
    page = client.get(reverse("community:list"), {"category": "study-tips"}).content.decode()
    assert "P21" in page and "P20" not in page
    page2 = client.get(reverse("community:list"), {"page": 2}).content.decode()
    assert "P1<" in page2 and "Page 2" in page2 and "Next" not in page2
    nonsense = client.get(reverse("community:list"), {"sort": "x", "category": "nope", "page": "z"})
    assert nonsense.status_code == 200
    assert "no such category" in nonsense.content.decode()


def test_blocked_authors_collapse_for_the_blocker(as_, post, bob, alice, comment):
    user_block(by=alice, user=bob)
    page = as_("author").get(post.get_absolute_url()).content.decode()
    assert "You blocked @bob" in page
    listing = as_("member").get(reverse("community:list")).content.decode()
    assert "whom you blocked" not in listing  # only for Alice


def test_block_then_unblock_from_the_profile_region(as_, alice, bob):
    client = as_("member")
    client.post(reverse("community:user_block", args=["alice"]))
    region = client.get(reverse("community:user_posts", args=["alice"])).content.decode()
    assert "Unblock @alice" in region
    client.post(reverse("community:user_block", args=["alice"]), {"action": "unblock"})
    region = client.get(reverse("community:user_posts", args=["alice"])).content.decode()
    assert "Block @alice" in region and "Unblock" not in region


def test_the_block_redirect_stays_on_the_site(as_, alice):
    response = as_("member").post(
        reverse("community:user_block", args=["alice"]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == "/u/alice/"


def test_a_moderator_hides_and_restores_from_the_post_page_with_audit_rows(as_, post, mod):
    client = as_("moderator")
    client.post(
        reverse("community:post_moderate", args=[post.pk]), {"action": "hide", "reason": "spam"}
    )
    post.refresh_from_db()
    assert post.is_hidden
    client.post(reverse("community:post_moderate", args=[post.pk]), {"action": "restore"})
    post.refresh_from_db()
    assert not post.is_hidden
    kinds = list(ModerationAction.objects.order_by("pk").values_list("kind", "moderator", "reason"))
    assert kinds == [("hide", mod.pk, "spam"), ("restore", mod.pk, "")]


def test_the_profile_lists_recent_posts(as_, post):
    region = as_("anon").get(reverse("community:user_posts", args=["alice"])).content.decode()
    assert "How I plan my week" in region


def test_query_count_of_the_list_is_the_same_for_5_or_50_posts(
    as_, general, django_assert_num_queries
):
    client = as_("member")
    authors = UserFactory.create_batch(5)

    def fill(n):
        Post.objects.bulk_create(
            Post(author=authors[i % 5], category=general, title=f"T{i}", body="b", body_html="b")
            for i in range(n)
        )

    fill(5)
    # session, user, the page (with authors, categories and blocks), categories
    with django_assert_num_queries(4):
        assert client.get(reverse("community:list")).status_code == 200
    fill(45)
    with django_assert_num_queries(4):
        assert client.get(reverse("community:list")).status_code == 200


def test_query_count_of_a_thread_is_the_same_for_5_or_200_comments(
    as_, post, django_assert_num_queries
):
    client = as_("member")
    authors = UserFactory.create_batch(5)

    def fill(n):
        parents = list(Comment.objects.filter(post=post)[:3]) or [None]
        Comment.objects.bulk_create(
            Comment(
                post=post,
                author=authors[i % 5],
                parent=parents[i % len(parents)],
                shown_under=parents[i % len(parents)],
                depth=1 if parents[0] else 0,
                body="c",
                body_html="<p>c</p>",
            )
            for i in range(n)
        )

    fill(5)
    # session, user, the post (with its like and block), the comments (one query)
    with django_assert_num_queries(4):
        assert client.get(post.get_absolute_url()).status_code == 200
    fill(195)
    with django_assert_num_queries(4):
        response = client.get(post.get_absolute_url())
    assert response.content.decode().count('<article class="comment') == 200


def test_the_comment_url_prefix_matches_the_routes():
    from community.queries import COMMENTS_URL

    for name in ("like", "reply", "edit", "delete", "report", "moderate"):
        assert reverse(f"community:comment_{name}", args=[7]) == f"{COMMENTS_URL}7/{name}/"


def test_the_reply_form_comes_in_place_or_as_a_page(as_, comment):
    client = as_("author")
    url = reverse("community:comment_reply", args=[comment.pk])
    fragment = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert f'name="parent" value="{comment.pk}"' in fragment and "<html" not in fragment
    page = client.get(url).content.decode()
    assert "Reply to @bob" in page and f'value="{comment.pk}"' in page
