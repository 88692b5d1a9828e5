from django.apps import AppConfig


class FocusmateConfig(AppConfig):
    name = "focusmate"
    verbose_name = "Focus Mate"
