from __future__ import annotations

from django.apps import AppConfig


class VideoConfig(AppConfig):
    name = "video"
    verbose_name = "Video"

    def ready(self) -> None:
        from video import subscriptions  # noqa: F401  (registers the subscribers)
