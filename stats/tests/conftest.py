from __future__ import annotations

from datetime import datetime, timedelta
from itertools import count as counter

import pytest

from stats.models import SessionHistory
from stats.tests.factories import RoomFactory


@pytest.fixture
def room(alice):
    """A public room of Alice's where the history in these tests happened."""
    return RoomFactory(owner=alice, name="Thesis corner")


_seqs = counter(100_000)


@pytest.fixture
def add_history():
    """Bulk-inserts `count` sessions for a user, one every `every`, ending at `last`."""

    def add(user, room, *, count: int, last: datetime, every=timedelta(hours=5), kind="work"):
        SessionHistory.objects.bulk_create(
            (
                SessionHistory(
                    user=user,
                    room=room,
                    kind=kind,
                    seq=next(_seqs),
                    started_at=last - n * every - timedelta(minutes=25),
                    ended_at=last - n * every,
                    seconds_credited=1500,
                )
                for n in range(count)
            ),
            batch_size=2000,
        )

    return add
