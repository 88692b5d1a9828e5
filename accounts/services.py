"""Writes to accounts: each authorises its caller and runs in one transaction."""

from __future__ import annotations

from datetime import timedelta

from allauth.account.adapter import get_adapter
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from PIL import Image

from accounts import images
from accounts.models import ALERT_FIELDS, Block, Follow, FollowTold, User
from focusmate.events import (
    FocusVisibilityChanged,
    UserDeactivated,
    UserFollowed,
    UserLoggedOut,
    UserUnfollowed,
    publish_on_commit,
)
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
    focus_visibility: str | None = None,
    notify_on_follow: bool | None = None,
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
    old_visibility = user.focus_visibility
    if focus_visibility is not None:
        user.focus_visibility = focus_visibility
    if notify_on_follow is not None:
        user.notify_on_follow = notify_on_follow
    if avatar is not KEEP:
        if avatar:
            try:
                avatar = images.reencode(avatar)  # no metadata, no polyglot, small
            except (OSError, ValueError, Image.DecompressionBombError) as error:
                raise ValidationError("That image can't be used as an avatar.") from error
        user.avatar = avatar or None
    user.clean_fields(exclude=["password", "username", "email"])
    user.save()
    if user.focus_visibility != old_visibility:
        publish_on_commit(FocusVisibilityChanged(user_id=user.pk))
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
    with transaction.atomic():
        try:
            with transaction.atomic():
                block, _ = Block.objects.get_or_create(blocker=by, blocked=user)
        except IntegrityError:  # a racing request made it first
            block = Block.objects.get(blocker=by, blocked=user)
        # A block ends following both ways, in the same transaction as the block.
        _follows_delete(Follow.objects.between(by, user))
    return block


@transaction.atomic
def user_unblock(*, by: User, user: User) -> bool:
    """Lifts `by`'s block of `user`; True if there was one."""
    require_active(user=by)
    deleted, _ = Block.objects.filter(blocker=by, blocked=user).delete()
    return bool(deleted)


# Follows: one-way, never of oneself, never across a block.
FOLLOWS_PER_HOUR = 60
FOLLOWS_PER_HOUR_NEW_ACCOUNT = 20


def _follows_delete(follows) -> int:
    """Deletes the follows (a queryset) and announces each, after commit."""
    pairs = list(follows.values_list("pk", "follower_id", "followed_id"))
    if not pairs:
        return 0
    Follow.objects.filter(pk__in=[pk for pk, _, _ in pairs]).delete()
    for _, follower_id, followed_id in pairs:
        publish_on_commit(UserUnfollowed(follower_id=follower_id, followed_id=followed_id))
    return len(pairs)


@transaction.atomic
def follow_create(*, follower: User, followed: User) -> Follow:
    """`follower` follows `followed` (idempotent). `followed` is told once ever, in the
    bell, unless they turned that off (`notify_on_follow`)."""
    require_active(user=follower)
    if not followed.is_active:
        raise ValidationError("That account is no longer active.")
    if follower.pk == followed.pk:
        raise ValidationError("You can't follow yourself.")
    if Block.objects.between(follower, followed).exists():
        raise PermissionDenied("You can't follow someone who blocked you or whom you blocked.")
    existing = Follow.objects.filter(follower=follower, followed=followed).first()
    if existing is not None:
        return existing
    young = timezone.now() - follower.date_joined < timedelta(days=1)
    hit(
        f"follow:{follower.pk}",
        limit=FOLLOWS_PER_HOUR_NEW_ACCOUNT if young else FOLLOWS_PER_HOUR,
        per_seconds=3600,
    )
    try:
        with transaction.atomic():
            follow = Follow.objects.create(follower=follower, followed=followed)
    except IntegrityError:  # a racing request made it first: one follow, one event
        return Follow.objects.get(follower=follower, followed=followed)
    tell = False
    if followed.notify_on_follow:
        # The fact, under its unique constraint, decides: a second follow tells nobody.
        _, tell = FollowTold.objects.get_or_create(follower=follower, followed=followed)
    publish_on_commit(UserFollowed(follower_id=follower.pk, followed_id=followed.pk, tell=tell))
    return follow


@transaction.atomic
def follow_delete(*, follower: User, followed: User) -> bool:
    """`follower` no longer follows `followed`; True if they did."""
    require_active(user=follower)
    return bool(_follows_delete(Follow.objects.filter(follower=follower, followed=followed)))


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
