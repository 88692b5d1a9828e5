from django.apps import AppConfig


class CommunityConfig(AppConfig):
    """The forum: posts, nested comments, likes, search; moderated through the registry."""

    name = "community"

    def ready(self) -> None:
        from community import registrations, subscriptions  # noqa: F401
