from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = "Partner sessions"

    def ready(self) -> None:
        # The no-show pass runs in the timer scheduler's passes; a ban ends matches; a
        # partner's seat can be reported.
        from partners import moderatables, runner, subscriptions  # noqa: F401

        runner.register()
