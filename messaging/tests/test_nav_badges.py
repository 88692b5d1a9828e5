"""The nav's two badges (messages, notifications) cost a page one request, not two."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts.models import Block
from messaging import queries, services
from messaging.models import Notification
from messaging.tests.helpers import messages_between

pytestmark = pytest.mark.django_db

BADGE = reverse("messaging:badge")


def test_a_page_asks_once_for_both_badges(client, alice, django_assert_num_queries):
    client.force_login(alice)

    # A page that reads nothing else (home is the dashboard now, with its own reads):
    # session, user; the counts come later, together.
    with django_assert_num_queries(2):
        body = client.get(reverse("accounts:alerts_edit")).content.decode()

    assert body.count('hx-trigger="load"') == 1  # the one extra request the page makes
    assert f'hx-get="{BADGE}"' in body
    assert 'id="messages-badge"' in body  # waits for the bell's answer
    assert f'hx-get="{reverse("messaging:messages_badge")}"' not in body


def test_the_one_answer_fills_both_badges(client, alice, bob, django_assert_num_queries):
    services.message_send(sender=bob, recipient=alice, body="hi")
    services.message_send(sender=bob, recipient=alice, body="still there?")
    Notification.objects.create(user=alice, text="One")
    client.force_login(alice)

    with django_assert_num_queries(3):  # session, user, both counts
        body = client.get(BADGE, headers={"HX-Request": "true"}).content.decode()

    assert re.search(r'data-testid="unread-count">1<', body)
    assert re.search(r'id="messages-badge" hx-swap-oob="true"', body)
    assert re.search(r'data-testid="messages-unread">2<', body)
    assert "hx-get" not in body


def test_the_counts_together_are_the_counts_apart(alice, bob, charlie):
    messages_between(bob, alice, 300)  # 150 unread by Alice: past the badge's cap
    services.message_send(sender=charlie, recipient=alice, body="hello")
    Block.objects.create(blocker=alice, blocked=charlie)  # a blocked sender is not counted
    Notification.objects.create(user=alice, text="One")
    Notification.objects.create(user=bob, text="Bob's")

    assert queries.nav_counts(user=alice) == (
        queries.notifications_unread_count(user=alice),
        queries.unread_total(user=alice),
    )
    assert queries.nav_counts(user=alice) == (1, 100)
    assert queries.nav_counts(user=charlie) == (0, 0)
