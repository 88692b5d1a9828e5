from django.apps import AppConfig


class ModerationConfig(AppConfig):
    """Reports, moderators' decisions and their audit log, for any registered content."""

    name = "moderation"

    def ready(self) -> None:
        from accounts.models import User
        from moderation.registry import Moderatable, register

        # People can be reported (and warned or banned), not hidden.
        register(
            User,
            Moderatable(author_id=lambda user: user.pk, url=lambda user: user.get_absolute_url()),
        )
