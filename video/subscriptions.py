"""The camera strip's pushes: the room's cameras after each change; a closed room's
cameras stop counting (its pages end their calls when the room-closed banner comes)."""

from __future__ import annotations

from focusmate.events import CamerasChanged, RoomClosed, subscriber
from focusmate.lib import broadcast
from video import services
from video.groups import video_room_group
from video.rendering import cameras_message


@subscriber(CamerasChanged)
def push_cameras(event: CamerasChanged) -> None:
    broadcast.send_now(video_room_group(event.room_id), cameras_message(room_id=event.room_id))


@subscriber(RoomClosed)
def clear_cameras(event: RoomClosed) -> None:
    services.cameras_clear(room_id=event.room_id)
