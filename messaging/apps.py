from django.apps import AppConfig


class MessagingConfig(AppConfig):
    """The user's inbox: notifications, direct messages, room chat, and the per-user socket."""

    name = "messaging"

    def ready(self) -> None:
        from messaging import (  # noqa: F401  (registers subscribers and reportable models)
            moderatables,
            subscriptions,
        )
