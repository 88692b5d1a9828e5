from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "scheduling"
    verbose_name = "Scheduled sessions"

    def ready(self) -> None:
        from scheduling import subscriptions  # noqa: F401  (registers the subscribers)
