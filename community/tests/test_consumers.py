"""The forum's sockets: new comments and posts arrive live, for those who may read them."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from accounts import services as account_services
from community import services
from community.models import Category, Post
from focusmate.asgi import application
from rooms.tests.test_consumers import ORIGIN, _cookie_for
from tests.xss import XSS_PAYLOADS, assert_inert

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.anyio]


@pytest.fixture(autouse=True)
def _pushes_at_once(deliver_at_once):
    """Subscribers run as the services commit (see the root conftest)."""


def _socket(path: str, user=None) -> WebsocketCommunicator:
    headers = [(b"origin", ORIGIN), (b"host", b"127.0.0.1:8000")]
    if user is not None:
        headers.append((b"cookie", _cookie_for(user)))
    return WebsocketCommunicator(application, path, headers=headers)


async def _open(path: str, user) -> WebsocketCommunicator:
    socket = await database_sync_to_async(_socket)(path, user)
    connected, code = await socket.connect()
    assert connected, code
    return socket


async def test_a_new_comment_reaches_everyone_reading_the_thread(post, bob, charlie):
    reader = await _open(f"/ws/community/posts/{post.pk}/", charlie)
    comment = await database_sync_to_async(services.comment_create)(
        post=post, author=bob, body="Live **hello**"
    )
    html = await reader.receive_from(timeout=3)
    assert 'hx-swap-oob="beforeend:#replies-root"' in html
    assert f'id="comment-{comment.pk}"' in html and "<strong>hello</strong>" in html
    assert "data-own" not in html  # a push never replaces the writer's own copy
    await reader.disconnect()


async def test_a_reply_goes_under_its_parent(post, bob, charlie, comment):
    reader = await _open(f"/ws/community/posts/{post.pk}/", bob)
    await database_sync_to_async(services.comment_create)(
        post=post, author=charlie, body="Reply", parent=comment
    )
    assert f"beforeend:#replies-{comment.pk}" in await reader.receive_from(timeout=3)
    await reader.disconnect()


async def test_comments_by_someone_blocked_are_not_pushed(post, alice, bob):
    await database_sync_to_async(account_services.user_block)(by=alice, user=bob)
    reader = await _open(f"/ws/community/posts/{post.pk}/", alice)
    await database_sync_to_async(services.comment_create)(post=post, author=bob, body="hi")
    assert await reader.receive_nothing(timeout=0.5)
    await reader.disconnect()


async def test_anonymous_sockets_are_refused(post):
    socket = _socket(f"/ws/community/posts/{post.pk}/")
    connected, code = await socket.connect()
    assert (connected, code) == (False, 4401)


async def test_a_thread_one_may_not_read_is_refused(post, bob):
    await database_sync_to_async(Post.objects.filter(pk=post.pk).update)(is_hidden=True)
    socket = await database_sync_to_async(_socket)(f"/ws/community/posts/{post.pk}/", bob)
    connected, code = await socket.connect()
    assert (connected, code) == (False, 4403)


async def test_new_posts_reach_the_list_and_their_category_only(alice, bob, general):
    everything = await _open("/ws/community/", bob)
    same = await _open("/ws/community/c/general/", bob)
    other = await _open("/ws/community/c/wins/", bob)
    await database_sync_to_async(
        lambda: Category.objects.get_or_create(slug="wins", defaults={"name": "Wins"})
    )()
    post = await database_sync_to_async(services.post_create)(
        author=alice, category=general, title="New", body="b"
    )
    mark = f'<i data-post="{post.pk}"></i>'
    assert mark in await everything.receive_from(timeout=3)
    assert mark in await same.receive_from(timeout=3)
    assert await other.receive_nothing(timeout=0.3)
    for socket in (everything, same, other):
        await socket.disconnect()


async def test_a_ban_closes_the_forum_socket(post, bob, mod):
    reader = await _open(f"/ws/community/posts/{post.pk}/", bob)
    from moderation.services import user_ban

    await database_sync_to_async(user_ban)(by=mod, user=bob, reason="spam")
    assert (await reader.receive_output(timeout=1))["type"] == "websocket.close"


async def test_pushed_comments_are_inert(post, bob, charlie):
    reader = await _open(f"/ws/community/posts/{post.pk}/", charlie)
    for payload in XSS_PAYLOADS[:5]:
        await database_sync_to_async(services.comment_create)(post=post, author=bob, body=payload)
        assert_inert(await reader.receive_from(timeout=3))
    await reader.disconnect()
