"""Reads about people that several features share (the block rule, who follows whom)."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Block, Follow, User


def is_blocked_between(a: User, b: User) -> bool:
    """True when either has blocked the other (direct messages refuse both ways)."""
    return Block.objects.between(a, b).exists()


def has_blocked(*, blocker: User, blocked: User) -> bool:
    return Block.objects.filter(blocker=blocker, blocked=blocked).exists()


def blocked_ids(*, user: User) -> QuerySet:
    """The ids `user` has blocked, as a subquery: filter with `author_id__in=...`."""
    return Block.objects.filter(blocker=user).values("blocked_id")


def blocked_id_set(*, user: User) -> set[int]:
    """The ids `user` has blocked, read now (a socket keeps them for its pushes)."""
    return set(Block.objects.filter(blocker=user).values_list("blocked_id", flat=True))


def active_user(user_id: int) -> User | None:
    """The user as stored now, if still active: sockets re-check it on every frame."""
    return User.objects.filter(pk=user_id, is_active=True).first()


def following_ids(*, user: User) -> QuerySet:
    """The ids of the people `user` follows, as a subquery (`user_id__in=...`): the
    dashboard's Following panel, the API and the schedule's "people I follow" filter."""
    return Follow.objects.filter(follower=user).values("followed_id")


def is_following(*, follower: User, followed: User) -> bool:
    if not follower.is_authenticated:
        return False
    return Follow.objects.filter(follower=follower, followed=followed).exists()


def following(*, user: User) -> QuerySet[Follow]:
    """Whom `user` follows, with each person, newest follow first (one query)."""
    return (
        Follow.objects.filter(follower=user, followed__is_active=True)
        .select_related("followed")
        .order_by("-created_at", "-pk")
    )
