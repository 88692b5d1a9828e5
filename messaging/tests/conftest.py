"""Fixtures for the inbox's tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def events(deliver_at_once, published):
    """Events published by services, as if each transaction had committed at once."""
    return published
