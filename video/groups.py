"""The channel-layer groups of the camera strip.

A room socket joins them when its page says hello (static/js/video.js): pages without
the strip and API sockets never hear of cameras.
"""

from __future__ import annotations


def video_room_group(room_id: int) -> str:
    """Every video page of the room: the list of cameras, who left."""
    return f"video.room.{room_id}"


def video_peer_group(room_id: int, user_id: int) -> str:
    """One person's video pages in the room: the signalling frames addressed to them
    (each page then keeps only those naming its own token)."""
    return f"video.room.{room_id}.user.{user_id}"
