"""Writes to accounts: each authorises its caller and runs in one transaction."""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from PIL import Image

from accounts import images
from accounts.models import ALERT_FIELDS, Block, User
from focusmate.events import UserDeactivated, UserLoggedOut, publish_on_commit
from focusmate.lib.ratelimit import hit

# `avatar=KEEP` leaves the stored avatar as it is; None clears it.
KEEP = object()


def require_active(*, user: User) -> None:
    """Every service that acts for a person refuses a banned or anonymous one."""
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied("Your account can't do that. Please log in again.")


@transaction.atomic
def profile_update(
    *,
    user: User,
    by: User,
    bio: str,
    timezone: str,
    stats_public: bool,
    on_leaderboard: bool,
    avatar: UploadedFile | object | None = KEEP,
    message_privacy: str | None = None,
    show_checkouts: bool | None = None,
) -> User:
    """Saves validated profile values; a user only ever edits their own profile."""
    require_active(user=by)
    if user.pk != by.pk:
        raise PermissionDenied("You can only edit your own profile.")
    user = User.objects.select_for_update().get(pk=user.pk)
    old_avatar = user.avatar.name
    user.bio = bio
    user.timezone = timezone
    user.stats_public = stats_public
    user.on_leaderboard = on_leaderboard
    if message_privacy is not None:  # None keeps the stored choice
        user.message_privacy = message_privacy
    if show_checkouts is not None:  # None keeps the stored choice
        user.show_checkouts = show_checkouts
    if avatar is not KEEP:
        if avatar:
            try:
                avatar = images.reencode(avatar)  # no metadata, no polyglot, small
            except (OSError, ValueError, Image.DecompressionBombError) as error:
                raise ValidationError("That image can't be used as an avatar.") from error
        user.avatar = avatar or None
    user.clean_fields(exclude=["password", "username", "email"])
    user.save()
    if old_avatar and old_avatar != user.avatar.name:
        storage = user.avatar.storage
        transaction.on_commit(lambda: storage.delete(old_avatar))
    return user


@transaction.atomic
def alerts_update(
    *,
    user: User,
    by: User,
    keyboard_shortcuts: str,
    sound_on: bool,
    sound_volume: int,
    work_end_sound: str,
    break_end_sound: str,
    desktop_notifications: bool,
    title_countdown: bool,
    announce_chat: bool | None = None,
    checkout_prompt: bool | None = None,
) -> User:
    """Saves a person's alert and keyboard choices; only their own.

    Open tabs of the same browser take them at once (the page broadcasts them on a
    BroadcastChannel after the save); other browsers at their next page load.
    """
    require_active(user=by)
    if user.pk != by.pk:
        raise PermissionDenied("You can only change your own alerts.")
    user = User.objects.select_for_update().get(pk=user.pk)
    user.keyboard_shortcuts = keyboard_shortcuts
    user.sound_on = sound_on
    user.sound_volume = sound_volume
    user.work_end_sound = work_end_sound
    user.break_end_sound = break_end_sound
    user.desktop_notifications = desktop_notifications
    user.title_countdown = title_countdown
    # None keeps the stored choice (a caller from before the setting existed).
    if announce_chat is not None:
        user.announce_chat = announce_chat
    if checkout_prompt is not None:
        user.checkout_prompt = checkout_prompt
    user.clean_fields(exclude=[f.name for f in User._meta.fields if f.name not in ALERT_FIELDS])
    user.save(update_fields=ALERT_FIELDS)
    return user


@transaction.atomic
def user_deactivate(*, user: User, by: User) -> User:
    """Bans a user: they can no longer log in; their content stays for moderators.

    Subscribers end their room memberships and close their open sockets.
    """
    require_active(user=by)
    if not by.is_staff:
        raise PermissionDenied("Only moderators can deactivate users.")
    if user.pk == by.pk:
        raise PermissionDenied("You cannot deactivate yourself.")
    User.objects.filter(pk=user.pk).update(is_active=False)
    user.is_active = False
    publish_on_commit(UserDeactivated(user_id=user.pk))
    return user


def user_block(*, by: User, user: User) -> Block:
    """`by` blocks `user` (idempotent): shared by the forum and direct messages."""
    require_active(user=by)
    if user.pk == by.pk:
        raise ValidationError("You can't block yourself.")
    hit(f"block:{by.pk}", limit=30, per_seconds=3600)
    try:
        with transaction.atomic():
            block, _ = Block.objects.get_or_create(blocker=by, blocked=user)
    except IntegrityError:  # a racing request made it first
        block = Block.objects.get(blocker=by, blocked=user)
    return block


@transaction.atomic
def user_unblock(*, by: User, user: User) -> bool:
    """Lifts `by`'s block of `user`; True if there was one."""
    require_active(user=by)
    deleted, _ = Block.objects.filter(blocker=by, blocked=user).delete()
    return bool(deleted)


def session_end(*, user: User, session_key: str) -> None:
    """A logout: the sockets opened with that session close once it is gone."""
    publish_on_commit(UserLoggedOut(user_id=user.pk, session_key=session_key))


@transaction.atomic
def username_change(*, user: User, by: User, username: str) -> User:
    """Renames a person (themselves only), under the signup form's rules (allauth's
    validators, reserved names, unique whatever the case)."""
    require_active(user=by)
    if user.pk != by.pk:
        raise PermissionDenied("You can only edit your own profile.")
    user = User.objects.select_for_update().get(pk=user.pk)
    if username == user.username:
        return user
    # Only the case changing is no clash with oneself.
    same_name = username.lower() == user.username.lower()
    user.username = get_adapter().clean_username(username, shallow=same_name)
    try:
        with transaction.atomic():
            user.save(update_fields=["username"])
    except IntegrityError as error:  # a racing rename or signup took it
        raise ValidationError("That username is taken.", code="unique") from error
    return user
