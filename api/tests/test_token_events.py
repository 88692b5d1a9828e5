"""Ending a token publishes `TokensRevoked` after the commit; its subscriber closes the
token's sockets (the end-to-end closing is in test_socket.py)."""

from __future__ import annotations

import pytest
from django.db import transaction

from api import subscriptions
from api.services import (
    token_group,
    token_issue,
    token_refresh,
    token_revoke,
    tokens_delete,
    tokens_revoke_all,
)
from focusmate import events
from focusmate.lib import broadcast

pytestmark = pytest.mark.django_db


class Rollback(Exception):
    pass


@pytest.mark.parametrize(
    "end",
    [
        lambda token: token_revoke(token=token),
        lambda token: token_refresh(token=token),
        lambda token: tokens_delete(token_ids=[token.pk]),
        lambda token: tokens_revoke_all(user_id=token.user_id),
    ],
    ids=["revoke", "refresh", "delete", "revoke all"],
)
def test_ending_a_token_publishes_its_revocation_after_commit(
    alice, end, published, django_capture_on_commit_callbacks
):
    token, _ = token_issue(user=alice)

    with django_capture_on_commit_callbacks(execute=True):
        end(token)
        assert published == []  # nothing before the commit

    assert published == [events.TokensRevoked(token_ids=(token.pk,))]


def test_a_rolled_back_revocation_publishes_nothing(
    alice, published, django_capture_on_commit_callbacks
):
    token, _ = token_issue(user=alice)

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(Rollback),
        transaction.atomic(),
    ):
        token_revoke(token=token)
        raise Rollback

    assert published == []


def test_revoking_none_publishes_nothing(alice, published, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert tokens_revoke_all(user_id=alice.pk) == 0

    assert published == []


def test_the_subscriber_closes_each_token_s_sockets_in_one_batch(monkeypatch):
    batches = []
    monkeypatch.setattr(broadcast, "_send_all", batches.append)

    subscriptions.close_token_sockets(events.TokensRevoked(token_ids=(4, 9)))

    assert batches == [
        [
            (token_group(token_id=4), {"type": "access.revoked"}),
            (token_group(token_id=9), {"type": "access.revoked"}),
        ]
    ]
