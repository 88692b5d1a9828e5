"""The session engine: Django's database sessions, their read compiled once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from focusmate.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_a_logged_in_session_is_read_back(client, django_assert_num_queries, alice):
    client.force_login(alice)
    response = client.get("/rooms/")
    assert response.status_code == 200
    assert response.wsgi_request.user == alice
    store = SessionStore(client.session.session_key)
    with django_assert_num_queries(1):
        assert store["_auth_user_id"] == str(alice.pk)


def test_an_expired_session_is_nobody(client, alice):
    client.force_login(alice)
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/rooms/")
    assert response.status_code == 302
    assert response.wsgi_request.user.is_anonymous


def test_an_unknown_key_gets_a_fresh_session(alice):
    store = SessionStore("x" * 32)
    assert store.load() == {}
    assert store.session_key is None  # a new one is made on save, never the guessed one
    store["seen"] = True
    store.save()
    assert store.session_key != "x" * 32
    assert SessionStore(store.session_key)["seen"] is True
