"""The schedule's channel-layer groups."""

from __future__ import annotations


def seats_group(session_id: int) -> str:
    """Every open page that shows this session's seats (their per-user sockets)."""
    return f"seats.{session_id}"
