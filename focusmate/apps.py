from django.apps import AppConfig


class FocusmateConfig(AppConfig):
    name = "focusmate"
    verbose_name = "Focus Mate"

    def ready(self) -> None:
        from focusmate import checks, subscriptions  # noqa: F401  (registers them)
