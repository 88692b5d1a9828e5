"""Messages that race, on PostgreSQL: the unique pair and the row locks decide."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections

from accounts.tests.factories import UserFactory
from messaging import queries, services
from messaging.models import Conversation, Message

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="RACE TEST NEEDS POSTGRESQL: SQLite serialises writers, so no race happens.",
    ),
]


def _all_at_once(jobs) -> list[Exception]:
    """Runs the callables in threads released together; returns what they raised."""
    barrier = threading.Barrier(len(jobs))
    errors: list[Exception] = []

    def run(job) -> None:
        try:
            barrier.wait(timeout=10)
            job()
        except Exception as error:  # collected for the assertion
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_twenty_concurrent_first_messages_from_both_sides_make_one_conversation(alice, bob):
    jobs = [
        (lambda n=n: services.message_send(sender=alice, recipient=bob, body=f"a{n}"))
        if n % 2
        else (lambda n=n: services.message_send(sender=bob, recipient=alice, body=f"b{n}"))
        for n in range(20)
    ]

    assert _all_at_once(jobs) == []

    conversation = Conversation.objects.get()
    assert conversation.messages.count() == 20
    assert conversation.members.count() == 2
    assert conversation.last_message_id == Message.objects.latest("id").pk


def test_unread_counts_stay_right_under_a_hundred_concurrent_sends(bob):
    senders = UserFactory.create_batch(10)
    for sender in senders:  # old enough for the normal limit
        sender.date_joined -= timedelta(days=2)
        sender.save()

    # 20 threads (the server's connection limit is shared), each sending five in a row.
    def send_five(sender, start: int) -> None:
        for n in range(start, start + 5):
            services.message_send(sender=sender, recipient=bob, body=f"{n}")

    jobs = [
        (lambda s=sender, start=start: send_five(s, start))
        for sender in senders
        for start in (0, 5)
    ]

    assert _all_at_once(jobs) == []

    assert Message.objects.count() == 100
    assert queries.unread_total(user=bob) == 100
    assert sorted(m.unread for m in queries.inbox(user=bob)) == [10] * 10
