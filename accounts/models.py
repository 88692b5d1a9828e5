from __future__ import annotations

import zoneinfo
from functools import cache

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone


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


class MessagePrivacy(models.TextChoices):
    EVERYONE = "everyone", "Everyone"
    SHARED_ROOM = "shared_room", "People I share a room with"
    NOBODY = "nobody", "Nobody"


class FocusVisibility(models.TextChoices):
    """Who may see, on their dashboard, that I am focusing now (and in which room)."""

    EVERYONE = "everyone", "Everyone who follows me"
    FOLLOW_BACK = "follow_back", "Only people I follow back"
    NOBODY = "nobody", "Nobody"


class Shortcuts(models.TextChoices):
    TIMER = "timer", "Only while the timer has keyboard focus"
    PAGE = "page", "Anywhere on a room's page (page-wide)"
    OFF = "off", "Off"


class AlertSound(models.TextChoices):
    """Files in static/sounds/, made by scripts/make_sounds.py."""

    CHIME = "chime", "Chime (two rising tones)"
    BELL = "bell", "Bell (one long ring)"
    WOOD = "wood", "Wood block (three knocks)"
    RISE = "rise", "Rise (three notes up)"


class User(AbstractUser):
    email = models.EmailField("email address")
    bio = models.TextField(blank=True, max_length=500)
    timezone = models.CharField(max_length=64, default="UTC", choices=timezone_choices)
    avatar = models.ImageField(upload_to=avatar_upload_to, blank=True)
    stats_public = models.BooleanField("show my statistics on my profile", default=True)
    on_leaderboard = models.BooleanField("show me on the weekly leaderboard", default=False)
    message_privacy = models.CharField(
        "who may send me direct messages",
        max_length=12,
        choices=MessagePrivacy,
        default=MessagePrivacy.EVERYONE,
    )
    # Favourites: who sees me focusing, and whether a new follower is told to me.
    focus_visibility = models.CharField(
        "who may see that I am focusing now",
        max_length=12,
        choices=FocusVisibility,
        default=FocusVisibility.EVERYONE,
    )
    notify_on_follow = models.BooleanField("tell me when someone follows me", default=True)

    # Alerts and keys, set on /settings/alerts/ and read by the room page's script.
    keyboard_shortcuts = models.CharField(
        "timer keyboard shortcuts",
        max_length=8,
        choices=Shortcuts,
        default=Shortcuts.TIMER,
    )

    sound_on = models.BooleanField("play a sound when a phase ends", default=True)
    sound_volume = models.PositiveSmallIntegerField(
        "volume", default=70, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    work_end_sound = models.CharField(
        "sound when work ends", max_length=8, choices=AlertSound, default=AlertSound.CHIME
    )
    break_end_sound = models.CharField(
        "sound when a break ends", max_length=8, choices=AlertSound, default=AlertSound.RISE
    )
    desktop_notifications = models.BooleanField(
        "show a desktop notification when a phase ends in a hidden tab", default=True
    )
    title_countdown = models.BooleanField("count down in the tab's title", default=True)
    announce_chat = models.BooleanField(
        "read new chat lines aloud with a screen reader", default=True
    )
    checkout_prompt = models.BooleanField(
        'ask "Did you do it?" by itself when a work phase ends', default=True
    )
    # Off unless chosen: how a session went is one's own business.
    show_checkouts = models.BooleanField("show my check-outs to the room", default=False)

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


# What /settings/alerts/ edits, in its order.
ALERT_FIELDS = (
    "sound_on",
    "sound_volume",
    "work_end_sound",
    "break_end_sound",
    "desktop_notifications",
    "title_countdown",
    "checkout_prompt",
    "keyboard_shortcuts",
    "announce_chat",
)


class BlockQuerySet(models.QuerySet):
    def between(self, a, b) -> BlockQuerySet:
        """Blocks in either direction between two users."""
        return self.filter(Q(blocker=a, blocked=b) | Q(blocker=b, blocked=a))


class Block(models.Model):
    """`blocker` no longer sees `blocked`'s posts, mentions, replies or messages.

    One rule for the forum and direct messages: read it through `accounts.queries`.
    """

    blocker = models.ForeignKey(User, on_delete=models.CASCADE, related_name="blocks_made")
    blocked = models.ForeignKey(User, on_delete=models.CASCADE, related_name="blocks_received")
    created_at = models.DateTimeField(default=timezone.now)

    objects = BlockQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="accounts_block_once"),
            models.CheckConstraint(
                condition=~Q(blocker=models.F("blocked")), name="accounts_block_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.blocker} blocks {self.blocked}"


class FollowQuerySet(models.QuerySet):
    def between(self, a, b) -> FollowQuerySet:
        """Follows in either direction between two users."""
        return self.filter(Q(follower=a, followed=b) | Q(follower=b, followed=a))


class Follow(models.Model):
    """`follower` follows `followed` (one-way): the dashboard's Following panel shows
    `followed` focusing now, as far as their `focus_visibility` allows.

    Written only by `accounts.services.follow_create` / `follow_delete` (and a block,
    which removes follows both ways).
    """

    follower = models.ForeignKey(User, on_delete=models.CASCADE, related_name="follows_made")
    followed = models.ForeignKey(User, on_delete=models.CASCADE, related_name="followers")
    created_at = models.DateTimeField(default=timezone.now)

    objects = FollowQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["follower", "followed"], name="accounts_follow_once"),
            models.CheckConstraint(
                condition=~Q(follower=models.F("followed")), name="accounts_follow_not_self"
            ),
        ]
        # The unique constraint's index serves "whom do I follow"; this one "who follows me".
        indexes = [
            models.Index(fields=["followed", "follower"], name="accounts_follow_by_followed")
        ]

    def __str__(self) -> str:
        return f"{self.follower} follows {self.followed}"


class FollowTold(models.Model):
    """`followed` was told (in the bell) that `follower` follows them: a fact, so that
    follow, unfollow, follow again tells them once. Kept when the follow goes."""

    follower = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    followed = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    told_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["follower", "followed"], name="accounts_follow_told_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.followed} was told {self.follower} follows them"
