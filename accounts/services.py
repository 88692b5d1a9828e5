"""Writes to accounts: each authorises its caller and runs in one transaction."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction

from accounts.forms import ProfileForm
from accounts.models import User


@transaction.atomic
def profile_update(*, user: User, by: User, form: ProfileForm) -> User:
    """Saves a validated profile form; a user only ever edits their own profile."""
    if user.pk != by.pk:
        raise PermissionDenied("You can only edit your own profile.")
    if form.instance.pk != user.pk:
        raise PermissionDenied("That form belongs to another profile.")
    old_avatar = User.objects.get(pk=user.pk).avatar.name
    saved = form.save()
    if old_avatar and old_avatar != saved.avatar.name:
        storage = saved.avatar.storage
        transaction.on_commit(lambda: storage.delete(old_avatar))
    return saved


@transaction.atomic
def user_deactivate(*, user: User, by: User) -> User:
    """Bans a user: they can no longer log in; their content stays for moderators."""
    if not by.is_staff:
        raise PermissionDenied("Only moderators can deactivate users.")
    if user.pk == by.pk:
        raise PermissionDenied("You cannot deactivate yourself.")
    User.objects.filter(pk=user.pk).update(is_active=False)
    user.is_active = False
    return user
