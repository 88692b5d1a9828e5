from django.apps import AppConfig


def _revoke_on_password_change(sender, request, user, **kwargs) -> None:
    from api.services import tokens_revoke_all  # the app registry is ready by now

    tokens_revoke_all(user_id=user.pk)


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "JSON API"

    def ready(self) -> None:
        from allauth.account.signals import password_changed, password_reset, password_set

        from api import subscriptions  # noqa: F401  (registers the token revocations)

        # A new password ends every API session, as a stolen token must not outlive it.
        for signal in (password_changed, password_set, password_reset):
            signal.connect(_revoke_on_password_change, dispatch_uid=f"api.revoke.{signal}")
