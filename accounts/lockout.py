"""The one failed-login limit, per account and per client address, for every way in.

It replaces allauth's own `login_failed` rate limit (switched off in settings), which
only its adapter consulted: Django's admin login form called `authenticate()` itself
and let anyone guess a moderator's password without limit (issue #22). Here the limit
sits under `django.contrib.auth.authenticate()`, which every entrance ends in:

- `LoginLockoutBackend` comes first in AUTHENTICATION_BACKENDS (a system check keeps
  it there). It authenticates no one; while the account or the address is locked it
  raises PermissionDenied, which makes Django refuse the login even with the right
  password, before any other backend looks at it. It notes on the request how long
  the lock lasts, for the entrance to say so.
- The `user_login_failed` signal, which `authenticate()` sends after any refusal,
  counts the failure for the account and for the address.
- A password reset (allauth's `password_reset` signal) lifts the account's lock.

Accounts are found by username or any of their email addresses, so switching between
them guesses against one count; a login that names no account is counted under its
own name, so a lock does not tell an attacker which accounts exist. A lock lasts the
whole window from the failure that reached the limit; failures refused by the lock are
not counted, so it ends on time. Counts live in the cache (Redis in production), so
every process sees the same ones.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import time
from dataclasses import dataclass

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.contrib.auth.backends import BaseBackend, ModelBackend
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models.functions import Lower
from django.http import HttpRequest

# The request attribute an entrance reads to tell a lock from a wrong password.
LOCKED_SECONDS_ATTRIBUTE = "login_locked_seconds"


@dataclass(frozen=True)
class Limit:
    failures: int
    seconds: int


def _limits() -> dict[str, Limit]:
    configured = settings.LOGIN_FAILURE_LIMITS
    return {scope: Limit(*configured[scope]) for scope in ("account", "address")}


class LoginLocked(PermissionDenied):
    """Too many failed logins for this account or from this address."""

    def __init__(self, seconds: int) -> None:
        super().__init__("Too many failed login attempts. Please try again later.")
        self.retry_after = seconds


def client_address(request: HttpRequest) -> str | None:
    """The client's address as allauth's rate limits see it (its adapter, honouring
    ALLAUTH_TRUSTED_PROXY_COUNT / ALLAUTH_TRUSTED_CLIENT_IP_HEADER), an IPv6 one
    widened to its /64, which one client typically holds whole."""
    try:
        address = get_adapter(request).get_client_ip(request)
    except PermissionDenied:  # no address at all (not over TCP): the account still counts
        return None
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False).network_address)
    return str(parsed)


def _logins(credentials: dict) -> list[str]:
    return [
        value.strip().lower()
        for field in ("username", "email", "login")
        if isinstance(value := credentials.get(field), str) and value.strip()
    ]


def _subjects(request: HttpRequest | None, credentials: dict) -> list[tuple[str, str]]:
    """(scope, key) pairs the attempt counts against: its account(s) and its address."""
    # Imported here: the app registry is ready by the time anyone logs in.
    from allauth.account.models import EmailAddress

    from accounts.models import User

    subjects: list[tuple[str, str]] = []
    logins = _logins(credentials)
    if logins:
        # One round trip, each part on an index: the case-insensitive unique ones on
        # username and email, and allauth's on its (lower-cased) addresses.
        by_username = User.objects.alias(key=Lower("username")).filter(key__in=logins)
        by_email = User.objects.alias(key=Lower("email")).filter(key__in=logins)
        by_address = EmailAddress.objects.filter(email__in=logins)
        accounts = sorted(
            set(
                by_username.values_list("pk", flat=True).union(
                    by_email.values_list("pk", flat=True),
                    by_address.values_list("user_id", flat=True),
                )
            )
        )
        if accounts:
            subjects += [("account", str(pk)) for pk in accounts]
        else:
            unknown = hashlib.sha256(logins[0].encode()).hexdigest()
            subjects.append(("account", f"unknown:{unknown}"))
    address = client_address(request) if request is not None else None
    if address:
        subjects.append(("address", address))
    return subjects


def _lock_key(scope: str, key: str) -> str:
    return f"login-lock:{scope}:{key}"


def _count_key(scope: str, key: str) -> str:
    return f"login-failures:{scope}:{key}"


def locked_seconds(request: HttpRequest | None, credentials: dict) -> int | None:
    """Seconds until this attempt may be tried, or None when it is not locked."""
    subjects = _subjects(request, credentials)
    locks = cache.get_many([_lock_key(scope, key) for scope, key in subjects])
    now = time.time()
    remaining = [until - now for until in locks.values() if until > now]
    return max(1, math.ceil(max(remaining))) if remaining else None


def record_failure(request: HttpRequest | None, credentials: dict) -> None:
    """Counts a failed login; the limit-th failure within the window locks for a window."""
    limits = _limits()
    for scope, key in _subjects(request, credentials):
        limit = limits[scope]
        if cache.get(_lock_key(scope, key)) is not None:
            continue  # refused by the lock: the lock ends on time, not later
        count_key = _count_key(scope, key)
        cache.add(count_key, 0, timeout=limit.seconds)
        try:
            failures = cache.incr(count_key)
        except ValueError:  # expired between add and incr
            cache.set(count_key, 1, timeout=limit.seconds)
            failures = 1
        if failures >= limit.failures:
            cache.set(_lock_key(scope, key), time.time() + limit.seconds, timeout=limit.seconds)
            cache.delete(count_key)


def clear_account(user) -> None:
    """Lifts an account's lock and forgets its failures (after a password reset, which
    proves the person holds the account's email)."""
    cache.delete_many([_lock_key("account", str(user.pk)), _count_key("account", str(user.pk))])


def on_password_reset(sender, request: HttpRequest, user, **kwargs) -> None:
    """allauth's `password_reset` receiver."""
    clear_account(user)


def on_login_failed(sender, credentials: dict, request: HttpRequest | None = None, **kwargs):
    """`user_login_failed` receiver: every refused login counts, whoever refused it."""
    if request is not None and getattr(request, LOCKED_SECONDS_ATTRIBUTE, None):
        return  # refused by the lock itself
    record_failure(request, credentials)


class LoginLockoutBackend(BaseBackend):
    """First in AUTHENTICATION_BACKENDS: refuses every login while locked, else passes.

    It never authenticates anyone: the backends after it check passwords and grant
    permissions. It finds a session's user like ModelBackend, because `login()` and
    the tests' `force_login()` record the first backend when given no other.
    """

    def authenticate(self, request: HttpRequest | None, **credentials):
        seconds = locked_seconds(request, credentials)
        if seconds is None:
            return None
        if request is not None:
            setattr(request, LOCKED_SECONDS_ATTRIBUTE, seconds)
        # PermissionDenied stops authenticate() at once: no later backend is asked.
        raise LoginLocked(seconds)

    def get_user(self, user_id):
        return ModelBackend().get_user(user_id)


def locked_out(request: HttpRequest) -> int | None:
    """After a refused login: the seconds left if the lockout refused it, else None."""
    return getattr(request, LOCKED_SECONDS_ATTRIBUTE, None)
