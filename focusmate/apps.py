from django.apps import AppConfig


class FocusmateConfig(AppConfig):
    name = "focusmate"
    verbose_name = "Focus Mate"

    def ready(self) -> None:
        from focusmate import subscriptions  # noqa: F401  (registers the subscribers)
        from focusmate.lib import connections

        connections.install()
