from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from rooms.models import Room

# A mesh sends each camera to every other page: six is what a laptop's uplink carries.
MAX_CAMERAS = 6


class CameraQuerySet(models.QuerySet):
    def fresh(self, now=None) -> CameraQuerySet:
        """Cameras whose page confirmed them within CAMERA_TTL_SECONDS."""
        cutoff = (now or timezone.now()) - timedelta(seconds=settings.CAMERA_TTL_SECONDS)
        return self.filter(seen_at__gte=cutoff)

    def stale(self, now=None) -> CameraQuerySet:
        cutoff = (now or timezone.now()) - timedelta(seconds=settings.CAMERA_TTL_SECONDS)
        return self.filter(seen_at__lt=cutoff)


class Camera(models.Model):
    """One page (`peer`, a token the page made up) of `user` sends its camera in `room`.

    The row is the room's count of cameras, the same for every server process: written
    under the room's row lock, deleted when the socket closes, and confirmed by the page
    every third of CAMERA_TTL_SECONDS, so a page or a process that died without closing
    stops counting after the TTL. Nothing about the media is stored.
    """

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="cameras")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cameras"
    )
    peer = models.CharField(max_length=64)
    mic_on = models.BooleanField(default=False)
    seen_at = models.DateTimeField()

    objects = CameraQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["room", "user", "peer"], name="video_camera_once")
        ]
        indexes = [models.Index(fields=["room", "seen_at"])]

    def __str__(self) -> str:
        return f"camera of {self.user_id} in {self.room_id}"
