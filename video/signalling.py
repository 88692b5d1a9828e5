"""The camera strip's half of the room socket: the room consumer hands it every frame
that is `{"video": …}` and its group events `video.*` (rooms/consumers.py).

The server relays WebRTC signalling and never sees media. Each offer, answer and ICE
candidate goes to the one page it names (the addressee's group in this room, where
only the page with that token keeps it), and only while both people may be in the
room's socket (`rooms.access.socket_membership`, the rule that opens and closes these
sockets): leaving, a ban, a removed membership or a closed room ends it at once.
Nothing of a frame is logged.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.queries import active_user
from focusmate.lib.frames import FrameError, parse_frame
from focusmate.lib.http import error_message
from focusmate.lib.sockets import parallel_db
from rooms.access import socket_membership
from video import services
from video.access import may_signal
from video.forms import VideoFrameForm
from video.groups import video_peer_group, video_room_group
from video.ice import ice_servers_for
from video.rendering import cameras_fields, video_text

logger = logging.getLogger(__name__)

# Signalling frames a socket may send: a burst of this many, refilled at this rate. A
# page joining six cameras sends six offers and a few dozen candidates at once.
BURST = 120
PER_SECOND = 20.0
TOO_FAST = "Too many video messages at once: video will catch up in a moment."
PEER_GONE = "That person is no longer in this room: their video has ended."


class TokenBucket:
    """A per-socket limit: in this process's memory, like the socket itself.

    What it replaces: the site's shared limiter (`focusmate.lib.ratelimit.hit`), a sliding
    window counted in the cache (Redis), which every other limit uses. Why not that one:
    a signalling frame's limit is per socket, and a socket lives in one process, so there
    is nothing to share between processes; and it is checked on every frame. Measured
    2026-12-07 on a 2-core machine loaded to 4-6 by other work, PostgreSQL + Redis:
    `hit()` cost 330-570 µs a frame (three Redis round trips), 630-820 µs from the socket
    (its thread hop), against 0.3 µs for `take()`; `bench/signalling.py --rounds 10`
    (6 cameras at once, 300 frames a round), A B A B twice, p50 of a round: this bucket
    1262, 1064, 1211, 939 ms (median 1138), the shared limiter 1287, 1771, 1380, 1593 ms
    (median 1487): a third slower for the same frames. The test that pins the limit
    (video/tests/test_signalling.py) holds for both.
    """

    def __init__(self, *, burst: int, per_second: float) -> None:
        self.burst, self.per_second = burst, per_second
        self.tokens, self.at = float(burst), time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.per_second)
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


def is_video_frame(text: str | None) -> bool:
    """Whether the frame is the camera strip's (a cheap look; parse_frame checks it)."""
    return bool(text) and text.lstrip().startswith("{") and '"video"' in text


class VideoSignalling:
    """A mixin for the room consumer (needs `room_id`, `scope`, `channel_layer`,
    `refusal` and `revoked` from it)."""

    video_peer: str | None = None  # this page's token, once it said hello
    video_camera = False  # this page's camera counts in the room
    video_bucket: TokenBucket | None = None
    video_warned_at = 0.0

    async def video_receive(self, text_data: str | None) -> bool:
        """Acts on a camera-strip frame; False if the frame is not one (the room's own)."""
        if not is_video_frame(text_data):
            return False
        try:
            fields = parse_frame(text_data, VideoFrameForm)
            if "video" not in fields:
                return False
            await self._video_act(fields)
        except FrameError as error:
            await self.send(text_data=self.refusal(str(error)))
        except (ValidationError, PermissionDenied) as error:
            await self.send(text_data=self.refusal(error_message(error)))
        except Exception:
            # Never the frame: it may hold an SDP, which names the person's addresses.
            logger.exception("video frame failed room=%s", self.room_id)
            await self.send(text_data=self.refusal("Something went wrong with video."))
        return True

    async def _video_act(self, fields: dict) -> None:
        kind = fields["video"]
        if kind == "hello":
            await self._video_hello(fields["peer"])
            return
        if self.video_peer is None:
            raise ValidationError("Video isn't ready yet: reload the page.")
        if self.video_bucket is None or not self.video_bucket.take():
            await self._video_too_fast()
            return
        user = self.scope["user"]
        if kind in ("camera", "alive"):
            on = fields.get("on", True) if kind == "camera" else True
            await self._video_camera(on=on)
        elif kind == "mic":
            await parallel_db(services.camera_mic)(
                room_id=self.room_id, user=user, peer=self.video_peer, on=fields.get("on", False)
            )
        else:
            await self._video_signal(kind, fields)

    async def _video_hello(self, peer: str) -> None:
        user = self.scope["user"]
        answer = await parallel_db(self._video_welcome)(peer)
        if self.video_peer is not None and self.video_peer != peer:
            await self.video_leave()  # a page that made a new token: the old one is gone
        self.video_peer = peer
        self.video_bucket = self.video_bucket or TokenBucket(burst=BURST, per_second=PER_SECOND)
        await self.channel_layer.group_add(video_room_group(self.room_id), self.channel_name)
        await self.channel_layer.group_add(
            video_peer_group(self.room_id, user.pk), self.channel_name
        )
        await self.send(text_data=answer)

    def _video_welcome(self, peer: str) -> str:
        user = active_user(self.scope["user"].pk)
        if user is None or socket_membership(room_id=self.room_id, user=user) is None:
            raise PermissionDenied("You're no longer in this room.")
        ice = ice_servers_for(
            user_id=user.pk,
            servers=settings.WEBRTC_ICE_SERVERS,
            secret=settings.TURN_SECRET,
            lifetime=settings.TURN_CREDENTIAL_SECONDS,
        )
        return video_text(
            "welcome",
            you={"user": user.pk, "peer": peer},
            ice=ice,
            alive_every=settings.CAMERA_TTL_SECONDS / 3,
            **cameras_fields(room_id=self.room_id),
        )

    async def _video_camera(self, *, on: bool) -> None:
        user = self.scope["user"]
        if on:
            try:
                await parallel_db(services.camera_on)(
                    room_id=self.room_id, user=user, peer=self.video_peer
                )
            except ValidationError as error:
                self.video_camera = False
                if getattr(error, "code", None) == "cameras_full":
                    await self.send(text_data=video_text("full", text=error_message(error)))
                    return
                raise
            except PermissionDenied:
                self.video_camera = False
                raise
            self.video_camera = True
        else:
            self.video_camera = False
            await parallel_db(services.camera_off)(
                room_id=self.room_id, user_id=user.pk, peer=self.video_peer
            )

    async def _video_signal(self, kind: str, fields: dict) -> None:
        user = self.scope["user"]
        to_user, to_peer = fields["to_user"], fields["to_peer"]
        if (to_user, to_peer) == (user.pk, self.video_peer):
            raise ValidationError("That video message isn't valid.")
        allowed = await parallel_db(may_signal)(
            room_id=self.room_id, sender=user, recipient_id=to_user
        )
        if not allowed:
            await self.send(text_data=self.refusal(PEER_GONE))
            await self.send(text_data=video_text("gone", user=to_user, peer=to_peer))
            return
        await self.channel_layer.group_send(
            video_peer_group(self.room_id, to_user),
            {
                "type": "video.signal",
                "room_id": self.room_id,
                "to_peer": to_peer,
                "text": video_text(
                    kind,
                    from_user=user.pk,
                    from_peer=self.video_peer,
                    cam=fields["cam"],
                    sdp=fields.get("sdp", ""),
                    candidate=fields.get("candidate", ""),
                    mid=fields.get("mid", ""),
                    mline=fields.get("mline"),
                ),
            },
        )

    async def _video_too_fast(self) -> None:
        now = time.monotonic()
        if now - self.video_warned_at > 5:  # one toast, not one per dropped frame
            self.video_warned_at = now
            await self.send(text_data=self.refusal(TOO_FAST))

    async def video_leave(self) -> None:
        """This page leaves the strip (its socket closes): its camera stops counting and
        every page of the room ends its calls with it. Call from `disconnect`."""
        peer, self.video_peer = self.video_peer, None
        if peer is None:
            return
        user_id = self.scope["user"].pk
        try:
            if self.video_camera:
                self.video_camera = False
                await parallel_db(services.camera_off)(
                    room_id=self.room_id, user_id=user_id, peer=peer
                )
        except Exception:
            # The database is away: the camera stops counting after CAMERA_TTL_SECONDS.
            logger.warning("camera of a closed socket not removed room=%s", self.room_id)
        for group in (video_room_group(self.room_id), video_peer_group(self.room_id, user_id)):
            try:
                await self.channel_layer.group_discard(group, self.channel_name)
            except Exception:
                logger.warning("video group not left room=%s", self.room_id)
        try:
            await self.channel_layer.group_send(
                video_room_group(self.room_id),
                {"type": "video.left", "text": video_text("left", user=user_id, peer=peer)},
            )
        except Exception:
            logger.warning("video departure not pushed room=%s", self.room_id)

    # --- group events -----------------------------------------------------------------

    async def video_signal(self, event: dict) -> None:
        """A signalling frame for one of this person's pages: only the named one keeps it."""
        if self.revoked or event.get("room_id") != self.room_id:
            return
        if self.video_peer is None or event.get("to_peer") != self.video_peer:
            return
        await self.send(text_data=event["text"])

    async def video_cameras(self, event: dict) -> None:
        if not self.revoked and self.video_peer is not None:
            await self.send(text_data=event["text"])

    async def video_left(self, event: dict) -> None:
        if not self.revoked and self.video_peer is not None:
            await self.send(text_data=event["text"])
