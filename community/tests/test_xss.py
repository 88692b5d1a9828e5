"""The XSS corpus in every place the forum shows what people wrote."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.text import slugify

from accounts.tests.factories import UserFactory
from community import services
from community.models import Category
from tests.xss import XSS_PAYLOADS, assert_inert, assert_inert_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def hostile(general, monkeypatch):
    """Posts, comments, replies and categories made of the corpus, by one writer (past the
    rate limits, which are tested on their own)."""
    monkeypatch.setattr(services, "hit", lambda *args, **kwargs: None)
    writer = UserFactory(username="writer")
    posts = []
    for number, payload in enumerate(XSS_PAYLOADS):
        category = Category.objects.create(
            name=payload[:60], slug=f"{slugify(payload)[:40]}-{number}"
        )
        post = services.post_create(
            author=writer, category=category, title=payload[:150], body=payload
        )
        parent = services.comment_create(post=post, author=writer, body=payload)
        services.comment_create(post=post, author=writer, body=f"@writer {payload}", parent=parent)
        posts.append(post)
    return posts


def test_the_list_search_and_threads_are_inert(client, bob, hostile):
    client.force_login(bob)
    assert_inert_page(client.get(reverse("community:list")).content.decode())
    assert_inert_page(client.get(reverse("community:list"), {"q": "script"}).content.decode())
    for post in hostile:
        assert_inert_page(client.get(post.get_absolute_url()).content.decode())


def test_the_profile_region_and_reports_are_inert(client, bob, hostile):
    client.force_login(bob)
    assert_inert(client.get(reverse("community:user_posts", args=["writer"])).content.decode())
    assert_inert_page(
        client.get(reverse("community:post_report", args=[hostile[0].pk])).content.decode()
    )


@pytest.mark.parametrize("payload", ["<script>", 'a"b', "x onload=y", "<img"])
def test_usernames_cannot_carry_markup(payload):
    from django.core.exceptions import ValidationError

    user = UserFactory.build(username=payload)
    with pytest.raises(ValidationError):
        user.full_clean(exclude=["password"])
