from django.apps import AppConfig


class AchievementsConfig(AppConfig):
    name = "achievements"

    def ready(self) -> None:
        from achievements import subscriptions  # noqa: F401  (registers the subscribers)
