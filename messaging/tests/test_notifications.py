"""The notifications list, the explicit mark-read, the bell, and notify's event."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from focusmate.events import NotificationCreated
from messaging import services
from messaging.models import Notification

pytestmark = pytest.mark.django_db

NOTIFICATIONS = reverse("messaging:notifications")
READ = reverse("messaging:notifications_read")
BADGE = reverse("messaging:badge")
HTMX = {"HX-Request": "true"}


def test_pages_need_a_login(client):
    for url in (NOTIFICATIONS,):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    assert client.post(READ).status_code == 302
    assert not Notification.objects.filter(read_at__isnull=False).exists()


def test_the_list_shows_mine_newest_first_and_changes_nothing(
    client, alice, bob, django_assert_num_queries
):
    Notification.objects.create(user=alice, text="Old one", created_at=timezone.now())
    Notification.objects.create(user=alice, text="New one", created_at=timezone.now())
    Notification.objects.create(user=bob, text="Bob's")
    client.force_login(alice)

    with django_assert_num_queries(3):  # session, user, the list
        response = client.get(NOTIFICATIONS)

    body = response.content.decode()
    assert body.index("New one") < body.index("Old one")
    assert "Bob&#x27;s" not in body and "Bob's" not in body
    assert body.count("notification-new") >= 2
    # A GET is read-only: the page marks read by an explicit POST it sends itself.
    assert Notification.objects.filter(user=alice, read_at__isnull=True).count() == 2
    newest = Notification.objects.filter(user=alice).order_by("-pk").first()
    assert 'hx-trigger="load"' in body and f'name="up_to" value="{newest.pk}"' in body


def test_marking_read_moves_only_my_own_and_only_what_the_page_showed(client, alice, bob):
    shown = Notification.objects.create(user=alice, text="Shown")
    later = Notification.objects.create(user=alice, text="Arrived after the page loaded")
    bobs = Notification.objects.create(user=bob, text="Bob's")
    client.force_login(alice)

    response = client.post(READ, {"up_to": shown.pk}, headers=HTMX)

    assert response.status_code == 200
    assert 'id="notifications-bell"' in response.content.decode()
    assert Notification.objects.get(pk=shown.pk).read_at is not None
    assert Notification.objects.get(pk=later.pk).read_at is None
    # Naming someone else's id does not reach their rows.
    client.post(READ, {"up_to": bobs.pk})
    assert Notification.objects.get(pk=bobs.pk).read_at is None


@pytest.mark.parametrize("hostile", ["-1", "abc", "9" * 40, "\x00", "١٢"])
def test_a_hostile_up_to_is_not_an_error(client, alice, hostile):
    Notification.objects.create(user=alice, text="One")
    client.force_login(alice)

    response = client.post(READ, {"up_to": hostile})

    assert response.status_code == 302
    assert response["Location"] == NOTIFICATIONS


def test_the_list_refuses_other_methods(client, alice):
    client.force_login(alice)
    assert client.post(NOTIFICATIONS).status_code == 405
    assert client.get(READ).status_code == 405


def test_notifications_page_says_when_there_are_none(client, charlie):
    client.force_login(charlie)

    response = client.get(NOTIFICATIONS)

    assert 'data-testid="notifications-empty"' in response.content.decode()


def test_badge_shows_my_unread_count(client, alice, bob, django_assert_num_queries):
    Notification.objects.create(user=alice, text="One")
    Notification.objects.create(user=alice, text="Two")
    Notification.objects.create(user=alice, text="Read", read_at=timezone.now())
    Notification.objects.create(user=bob, text="Bob's")
    client.force_login(alice)

    with django_assert_num_queries(3):  # session, user, count
        response = client.get(BADGE, headers=HTMX)

    body = response.content.decode()
    assert '<span class="bell-count" data-testid="unread-count">2</span>' in body
    assert "hx-get" not in body  # the answer does not load itself again
    assert response["Cache-Control"] == "no-store"


def test_badge_without_unread_shows_no_count(client, charlie):
    client.force_login(charlie)

    body = client.get(BADGE).content.decode()

    assert 'id="notifications-bell"' in body and "bell-count" not in body


def test_badge_for_a_logged_out_page_swaps_nothing(client):
    assert client.get(BADGE).status_code == 204


def test_badge_refuses_posts(client, alice):
    client.force_login(alice)
    assert client.post(BADGE).status_code == 405


# --- notify ---------------------------------------------------------------------


def test_notify_publishes_one_event_per_line_after_commit(
    alice, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        rows = services.notify_many(user=alice, lines=[("One", "/a"), ("Two", "/b")])
        assert published == []  # nothing before commit

    assert published == [
        NotificationCreated(user_id=alice.pk, notification_id=rows[0].pk, text="One", url="/a"),
        NotificationCreated(user_id=alice.pk, notification_id=rows[1].pk, text="Two", url="/b"),
    ]


def test_notify_publishes_nothing_when_rolled_back(
    alice, published, django_capture_on_commit_callbacks
):
    from django.db import transaction

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.notify(user=alice, text="Never", url="")
        raise RuntimeError("rolled back")

    assert published == []
    assert not Notification.objects.exists()


def test_a_new_notification_pushes_the_bell_to_that_user_only(alice, deliver_at_once, monkeypatch):
    sent = []
    monkeypatch.setattr(
        "focusmate.lib.broadcast.send_now", lambda group, payload: sent.append((group, payload))
    )

    note = services.notify(user=alice, text="<b>Hi</b>", url="/x")

    assert len(sent) == 1
    group, payload = sent[0]
    assert group == f"user.{alice.pk}"
    assert payload["type"] == "notification.created"
    assert 'id="notifications-bell"' in payload["html"] and 'hx-trigger="load"' in payload["html"]
    assert payload["data"] == {"id": note.pk, "text": "<b>Hi</b>", "url": "/x"}
