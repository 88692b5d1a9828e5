"""Constants and small helpers shared by the room view tests."""

from __future__ import annotations

from datetime import datetime

T0 = datetime.fromisoformat("2026-01-05T09:00:00+00:00")
HTMX = {"HX-Request": "true"}


def messages_of(response) -> list[str]:
    """The flash messages a (followed) response carried."""
    return [str(message) for message in response.context["messages"]]
