"""The dashboard's parts as HTML: the same partials serve the page and its pushes."""

from __future__ import annotations

from django.template.loader import render_to_string

from accounts.models import User
from dashboard.queries import FollowingPanel, LiveRoom, Today

PAGE = "dashboard/home.html"


def render_following(panel: FollowingPanel, *, viewer: User, oob: bool = False) -> str:
    """One viewer's panel: what it shows depends on who looks (privacy, rooms named)."""
    return render_to_string(
        f"{PAGE}#following", {"following": panel, "tzname": viewer.timezone, "oob": oob}
    )


def render_live_rooms(rooms: list[LiveRoom], *, oob: bool = False) -> str:
    """The public rooms with people focusing: the same for everyone, rendered once."""
    return render_to_string(f"{PAGE}#live-rooms", {"live_rooms": rooms, "oob": oob})


def render_today(today: Today, *, oob: bool = False) -> str:
    return render_to_string(f"{PAGE}#today", {"today": today, "oob": oob})
