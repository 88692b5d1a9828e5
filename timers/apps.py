from django.apps import AppConfig


class TimersConfig(AppConfig):
    name = "timers"

    def ready(self) -> None:
        from timers import subscriptions  # noqa: F401  (registers the subscribers)
