from django.apps import AppConfig


class ModerationConfig(AppConfig):
    """Reports, moderators' decisions and their audit log, for any registered content."""

    name = "moderation"

    def ready(self) -> None:
        from moderation import registrations  # noqa: F401  (people can be reported)
