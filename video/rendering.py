"""What the camera strip's pages are sent: JSON text, encoded once per group send.

The page's script (static/js/video.js) takes every socket message that starts with
"{" as one of these and keeps it from htmx, which swaps HTML.
"""

from __future__ import annotations

import json

from rooms.models import Room
from video.models import MAX_CAMERAS
from video.queries import cameras_in_room


def video_text(kind: str, **fields) -> str:
    return json.dumps({"video": kind, **fields}, separators=(",", ":"))


def cameras_fields(*, room_id: int) -> dict:
    mic_in_breaks, mic_any_time = Room.objects.filter(pk=room_id).values_list(
        "mic_during_breaks", "mic_any_time"
    ).first() or (False, False)
    return {
        "cameras": cameras_in_room(room_id=room_id),
        "cap": MAX_CAMERAS,
        "mic_in_breaks": bool(mic_in_breaks),
        "mic_any_time": bool(mic_any_time),
    }


def cameras_message(*, room_id: int) -> dict:
    """The group message of the room's cameras (`video.cameras`)."""
    return {
        "type": "video.cameras",
        "text": video_text("cameras", **cameras_fields(room_id=room_id)),
    }
