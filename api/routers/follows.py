"""Follows: whom I follow and who of them is focusing now, follow and unfollow, through
the same services and queries as the profile button and the dashboard."""

from __future__ import annotations

from datetime import datetime

from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from accounts import services
from accounts.models import User
from accounts.queries import following
from api.schemas import ERRORS, Id, Out, PathId, PersonOut
from dashboard.queries import following_panel

router = Router(tags=["Follows"])


class FocusingOut(Out):
    room_id: Id | None = Field(description="Null when you may not see the room.")
    room_name: str | None = Field(description="Null when you may not see the room.")
    ends_at: datetime | None = Field(description="When their work phase ends.")
    intention: str = Field(description="What they work on; empty unless you see the room.")


class FollowOut(Out):
    user: PersonOut
    followed_at: datetime
    focusing: FocusingOut | None = Field(
        description="Focusing now, as far as their privacy setting lets you see; else null."
    )


class FollowResultOut(Out):
    user: PersonOut
    following: bool


class UnfollowOut(Out):
    user: PersonOut
    following: bool
    removed: bool = Field(description="You followed them until now.")


class PageQuery(Schema):
    skip: int = Field(default=0, ge=0, le=100_000)
    limit: int = Field(default=50, ge=1, le=200)


def _person(user_id: int) -> User:
    person = User.objects.filter(pk=user_id, is_active=True).first()
    if person is None:
        raise Http404("No such user.")
    return person


def _person_out(user: User) -> dict:
    return {"id": user.pk, "username": user.username}


@router.get("", response={200: list[FollowOut], **ERRORS})
def follow_list(request: HttpRequest, page: Query[PageQuery]):
    """The people you follow, newest first, each with whether they are focusing now."""
    follows = list(following(user=request.user)[page.skip : page.skip + page.limit])
    focusing = {f.person.pk: f for f in following_panel(viewer=request.user).focusing}
    rows = []
    for follow in follows:
        now = focusing.get(follow.followed_id)
        rows.append(
            {
                "user": _person_out(follow.followed),
                "followed_at": follow.created_at,
                "focusing": None
                if now is None
                else {
                    "room_id": now.room.pk if now.room_named else None,
                    "room_name": now.room.name if now.room_named else None,
                    "ends_at": now.ends_at,
                    "intention": now.intention,
                },
            }
        )
    return rows


@router.post("/{user_id}", response={201: FollowResultOut, **ERRORS})
def follow_create(request: HttpRequest, user_id: PathId):
    """Follow someone (again: no change). They are told once, unless they turned it off."""
    person = _person(user_id)
    services.follow_create(follower=request.user, followed=person)
    return Status(201, {"user": _person_out(person), "following": True})


@router.delete("/{user_id}", response={200: UnfollowOut, **ERRORS})
def follow_delete(request: HttpRequest, user_id: PathId):
    person = _person(user_id)
    removed = services.follow_delete(follower=request.user, followed=person)
    return {"user": _person_out(person), "following": False, "removed": removed}
