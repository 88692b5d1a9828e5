"""Auth: register and log in (each gives a token), log out, and profiles.

Registration goes through allauth's own signup form and adapter (the same username
rules, password validators and rate limit as the signup page); logging in through
allauth's adapter (the same lockout after failed attempts as the login page).
"""

from __future__ import annotations

from allauth.account import app_settings as allauth_settings
from allauth.account.adapter import get_adapter
from allauth.account.forms import SignupForm
from allauth.account.internal.flows.email_verification import send_verification_email_for_user
from allauth.core import ratelimit
from allauth.core.exceptions import ImmediateHttpResponse
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Status
from ninja.errors import AuthenticationError
from pydantic import Field

from accounts import services as account_services
from accounts.lockout import locked_out
from accounts.models import User
from api import services
from api.auth import AUTH, token_auth
from api.errors import Conflict
from api.models import ApiToken
from api.schemas import ERRORS, In, Out, PathId, Text, UserOut, either, email_verified, user_out
from focusmate.lib.ratelimit import RateLimited

router = Router(tags=["Auth"])


class RegisterIn(In):
    username: Text = Field(min_length=1, max_length=150)
    email: Text = Field(min_length=3, max_length=254)
    password: Text = Field(min_length=1, max_length=4096)


class LoginIn(In):
    """Log in by username or by email address (the original logged in by `email`)."""

    username: Text = either(
        "username", "email", min_length=1, max_length=254, description="Or the email address."
    )
    password: Text = Field(min_length=1, max_length=4096)


class TokenOut(Out):
    access_token: str
    token_type: str = "bearer"  # noqa: S105  (the scheme, not a secret)
    expires_at: str
    user: UserOut


class ProfileIn(In):
    """Any field left out keeps its value."""

    username: Text | None = Field(default=None, min_length=1, max_length=150)
    bio: Text | None = Field(default=None, max_length=500)
    timezone: Text | None = Field(default=None, max_length=64)
    stats_public: bool | None = None
    on_leaderboard: bool | None = None


class OkOut(Out):
    ok: bool


def _too_many(seconds: int = 60) -> RateLimited:
    error = RateLimited("Too many attempts. Please try again later.")
    error.retry_after = seconds
    return error


def _require_verified_if_mandatory(user: User) -> None:
    """With ACCOUNT_EMAIL_VERIFICATION=mandatory, as on the login page: no session (here,
    no token) before the email address is confirmed."""
    mandatory = allauth_settings.EmailVerificationMethod.MANDATORY
    if mandatory != allauth_settings.EMAIL_VERIFICATION:
        return
    if not email_verified(user):
        raise PermissionDenied("Confirm your email address first: follow the link we sent you.")


def _token_answer(user: User) -> dict:
    return _token_answer_for(*services.token_issue(user=user))


def _token_answer_for(token: ApiToken, encoded: str) -> dict:
    return {
        "access_token": encoded,
        "token_type": "bearer",
        "expires_at": token.expires_at.isoformat(),
        "user": user_out(token.user),
    }


@router.post("/register", response={201: TokenOut, **ERRORS}, auth=None)
def register(request: HttpRequest, payload: RegisterIn):
    if not ratelimit.consume(request, action="signup"):
        raise _too_many()
    form = SignupForm(
        data={
            "username": payload.username,
            "email": payload.email,
            "password1": payload.password,
            "password2": payload.password,
        }
    )
    if not form.is_valid():
        raise ValidationError(
            [message for messages in form.errors.values() for message in messages]
        )
    if getattr(form, "account_already_exists", False):
        raise Conflict("An account with that email address already exists.")
    try:
        user = form.save(request)
    except ImmediateHttpResponse as error:  # a racing signup took the name or address
        raise Conflict("That username or email address is taken.") from error
    send_verification_email_for_user(request, user)  # as the signup page does
    _require_verified_if_mandatory(user)
    return Status(201, _token_answer(user))


@router.post("/login", response={200: TokenOut, **ERRORS}, auth=None)
def login(request: HttpRequest, payload: LoginIn):
    adapter = get_adapter(request)
    field = "email" if "@" in payload.username else "username"
    try:
        user = adapter.authenticate(
            request, **{field: payload.username, "password": payload.password}
        )
    except ValidationError as error:  # the lockout after failed attempts (accounts/lockout.py)
        raise _too_many(locked_out(request) or 60) from error
    if user is None or not user.is_active:
        raise AuthenticationError(401, "Wrong username or password.")
    _require_verified_if_mandatory(user)
    return _token_answer(user)


@router.post("/refresh", response={200: TokenOut, **ERRORS}, auth=[token_auth])
def refresh(request: HttpRequest):
    """A new token for the one this request carries, which stops working (and its
    sockets close: reconnect with the new token)."""
    token, encoded = services.token_refresh(token=request.api_token)
    return _token_answer_for(token, encoded)


@router.post("/logout", response={200: OkOut, **ERRORS}, auth=AUTH)
def logout(request: HttpRequest):
    """Revokes the token this request carries (a session logs out on the site)."""
    token = getattr(request, "api_token", None)
    if token is not None:
        services.token_revoke(token=token)
    return {"ok": True}


@router.get("/profile/{user_id}", response={200: UserOut, **ERRORS}, auth=AUTH)
def profile(request: HttpRequest, user_id: PathId):
    """Anyone's public profile; the email address and private settings only in your own."""
    shown = get_object_or_404(User, pk=user_id, is_active=True)
    return user_out(shown, viewer=request.user)


@router.put("/profile/{user_id}", response={200: UserOut, **ERRORS}, auth=AUTH)
def profile_update(request: HttpRequest, user_id: PathId, payload: ProfileIn):
    """Your own profile only (403 for anyone else's)."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise Http404("No such user.")
    values = payload.dict(exclude_none=True)  # the services validate them (time zone, …)
    with transaction.atomic():  # a refused bio keeps the old name too
        if "username" in values:
            user = account_services.username_change(
                user=user, by=request.user, username=values["username"]
            )
        updated = account_services.profile_update(
            user=user,
            by=request.user,
            bio=values.get("bio", user.bio),
            timezone=values.get("timezone", user.timezone),
            stats_public=values.get("stats_public", user.stats_public),
            on_leaderboard=values.get("on_leaderboard", user.on_leaderboard),
        )
    return user_out(updated, viewer=request.user)
