from django.apps import AppConfig


class MessagingConfig(AppConfig):
    """The user's inbox: notifications, and the per-user socket that carries them."""

    name = "messaging"

    def ready(self) -> None:
        from messaging import subscriptions  # noqa: F401  (registers the subscribers)
