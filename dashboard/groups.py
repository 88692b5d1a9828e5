"""The dashboard's channel-layer groups."""

from __future__ import annotations

# Every open dashboard: the public rooms with people focusing, rendered once for all.
ALL_DASHBOARDS = "dashboards"


def dashboard_group(user_id: int) -> str:
    """One person's open dashboards (their Today and Following parts)."""
    return f"dashboard.{user_id}"
