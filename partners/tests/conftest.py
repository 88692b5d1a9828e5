"""Fixtures for partner sessions: a slot on the grid, people, and booking helpers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from api.tests.conftest import api_as  # noqa: F401  (the API's token clients)
from partners import services


def grid_start(*, hours: int = 2):
    """A start on the 15-minute grid (in UTC and every whole-hour zone), `hours` ahead."""
    at = timezone.now().replace(second=0, microsecond=0) + timedelta(hours=hours)
    return at - timedelta(minutes=at.minute % 15)


@pytest.fixture
def slot():
    return grid_start()


@pytest.fixture
def book(slot):
    """Books `user` into the slot (25 minutes unless told)."""

    def make(user, *, starts_at=None, work_minutes: int = 25):
        return services.partner_book(
            user=user, starts_at=starts_at or slot, work_minutes=work_minutes
        )

    return make


@pytest.fixture
def people(db):
    def make(count: int):
        return UserFactory.create_batch(count)

    return make
