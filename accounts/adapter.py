"""allauth's account adapter: signups that race become a form error, and a login the
failed-login lockout refused (accounts/lockout.py) says so, as allauth's own limit did.

Two signups with the same username or email (in any case) can both pass allauth's
uniqueness check before either saves; the database's case-insensitive unique
constraints then refuse the second. That refusal becomes an error on the signup form,
as the check would have given, instead of a 500.
"""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from django.db import IntegrityError, transaction
from django.shortcuts import render

from accounts.lockout import locked_out
from accounts.models import User


class AccountAdapter(DefaultAccountAdapter):
    def authenticate(self, request, **credentials):
        user = super().authenticate(request, **credentials)
        if user is None and locked_out(request):
            # allauth's own message on its login, reauthentication and API forms.
            raise self.validation_error("too_many_login_attempts")
        return user

    def save_user(self, request, user, form, commit=True):
        try:
            with transaction.atomic():
                return super().save_user(request, user, form, commit=commit)
        except IntegrityError:
            if User.objects.filter(username__iexact=user.username).exists():
                form.add_error("username", "That username is taken.")
            else:
                form.add_error("email", "An account with that email address already exists.")
            raise ImmediateHttpResponse(
                render(request, "account/signup.html", {"form": form}, status=422)
            ) from None
