from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_out, user_login_failed


def _on_logout(sender, request, user, **kwargs) -> None:
    from accounts.services import session_end  # the app registry is ready by now

    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if user is not None and session_key:
        session_end(user=user, session_key=session_key)


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from allauth.account.signals import password_reset

        from accounts import checks, lockout  # noqa: F401  (registers the checks)

        user_logged_out.connect(_on_logout, dispatch_uid="accounts.session_end")
        user_login_failed.connect(lockout.on_login_failed, dispatch_uid="accounts.lockout")
        password_reset.connect(lockout.on_password_reset, dispatch_uid="accounts.lockout_reset")
