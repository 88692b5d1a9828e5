from django.apps import AppConfig


class DashboardConfig(AppConfig):
    """The logged-in home page: today's focus, the Following panel and the rooms where
    people are focusing now, each kept live by events (see subscriptions.py).

    An app of its own because it reads rooms, timers, stats and follows and must sit
    above all of them in the app graph (accounts, where follows live next to blocks,
    sits below rooms), and so that it changes none of their files.
    """

    name = "dashboard"

    def ready(self) -> None:
        from dashboard import subscriptions  # noqa: F401  (registers the subscribers)
