"""Reads for the camera strip: one query each."""

from __future__ import annotations

from video.models import Camera


def cameras_in_room(*, room_id: int) -> list[dict]:
    """The room's cameras that are on, oldest first, as the pages get them (JSON-ready).

    Only ids, the page token and the name: the goal and the avatar are on the page
    already (the people list, kept live by the room's pushes)."""
    rows = (
        Camera.objects.fresh()
        .filter(room_id=room_id)
        .order_by("seen_at", "pk")
        .values("user_id", "user__username", "peer", "mic_on")
    )
    return [
        {
            "user": row["user_id"],
            "name": row["user__username"],
            "peer": row["peer"],
            "mic": row["mic_on"],
        }
        for row in rows
    ]
