from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "scheduling"
    verbose_name = "Scheduled sessions"

    def ready(self) -> None:
        # The timer scheduler's passes also start sessions, send reminders and mark
        # attendance (timers cannot import this app); the attendance module subscribes
        # to rooms' arrivals.
        from scheduling import runner, subscriptions  # noqa: F401  (registers subscribers)

        runner.register()
