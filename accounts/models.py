from __future__ import annotations

import zoneinfo
from functools import cache

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse


@cache
def timezone_choices() -> list[tuple[str, str]]:
    names = sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})
    return [(name, name.replace("_", " ")) for name in names]


def avatar_upload_to(user: User, filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower()
    return f"avatars/{user.pk}/{user.username}.{extension}"


class FocusUserManager(UserManager):
    def get_by_natural_key(self, username: str) -> User:
        # Usernames are unique regardless of case, so login ignores case too.
        return self.get(username__iexact=username)


class User(AbstractUser):
    email = models.EmailField("email address")
    bio = models.TextField(blank=True, max_length=500)
    timezone = models.CharField(max_length=64, default="UTC", choices=timezone_choices)
    avatar = models.ImageField(upload_to=avatar_upload_to, blank=True)
    stats_public = models.BooleanField("show my statistics on my profile", default=True)
    on_leaderboard = models.BooleanField("show me on the weekly leaderboard", default=False)

    objects = FocusUserManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                Lower("username"),
                name="accounts_user_username_ci_unique",
                violation_error_message="That username is taken.",
            ),
            models.UniqueConstraint(
                Lower("email"),
                name="accounts_user_email_ci_unique",
                violation_error_message="An account with that email address already exists.",
            ),
        ]

    def __str__(self) -> str:
        return self.username

    def get_absolute_url(self) -> str:
        return reverse("accounts:profile", kwargs={"username": self.username})

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)
