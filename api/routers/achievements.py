"""Achievements: the list, a category, a person's unlocks and progress (hidden from
others like their statistics), a check of your own, and new ones (moderators only)."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from ninja import Router, Status
from pydantic import Field

from accounts.models import User
from achievements import queries, services
from achievements.models import Achievement
from api.schemas import ERRORS, BodyId, Id, In, Out, PathId, Text

router = Router(tags=["Achievements"])

Category = Achievement.Category
Requirement = Achievement.Requirement


class AchievementOut(Out):
    id: Id
    slug: str
    name: str
    description: str
    icon: str
    category: str
    points: int
    requirement_type: str
    requirement_value: int


class UnlockOut(Out):
    achievement: AchievementOut
    unlocked_at: datetime


class UserAchievementsOut(Out):
    user_id: Id
    points: int
    unlocked: list[UnlockOut]


class ProgressOut(Out):
    # The original's fields
    achievement: AchievementOut
    is_unlocked: bool
    progress: int = Field(description="Towards `required` (full once unlocked).")
    progress_percentage: float = Field(description="0 to 100.")
    unlocked_at: datetime | None
    # Ours
    current: int = Field(description="The count as it is now.")
    required: int


class CheckIn(In):
    """The original's clients send whose achievements to check: it must be the caller."""

    user_id: BodyId | None = None


class AchievementIn(In):
    slug: Text = Field(pattern=r"^[-a-zA-Z0-9_]+$", min_length=1, max_length=60)
    name: Text = Field(min_length=1, max_length=80)
    description: Text = Field(min_length=1, max_length=200)
    icon: Text = Field(min_length=1, max_length=16)
    category: Category
    points: int = Field(default=10, ge=0, le=32767)
    requirement_type: Requirement
    requirement_value: int = Field(ge=1, le=2**31 - 1)
    sort_order: int = Field(default=0, ge=0, le=32767)


def achievement_out(achievement: Achievement) -> dict:
    return {
        name: getattr(achievement, name)
        for name in (
            "slug",
            "name",
            "description",
            "icon",
            "category",
            "points",
            "requirement_type",
            "requirement_value",
        )
    } | {"id": achievement.pk}


def _readable_user(request: HttpRequest, user_id: int) -> User:
    """The same setting hides a person's figures and achievements from others (profile)."""
    shown = User.objects.filter(pk=user_id, is_active=True).first()
    if shown is None:
        raise Http404("No such user.")
    if shown.pk != request.user.pk and not shown.stats_public:
        raise PermissionDenied("This person keeps their achievements private.")
    return shown


@router.get("/", response={200: list[AchievementOut], **ERRORS})
def achievement_list(request: HttpRequest):
    return [achievement_out(a) for a in Achievement.objects.active()]


@router.post("/", response={201: AchievementOut, **ERRORS})
def achievement_create(request: HttpRequest, payload: AchievementIn):
    """Moderators only."""
    achievement = services.achievement_create(by=request.user, **payload.dict())
    return Status(201, achievement_out(achievement))


@router.get("/category/{category}", response={200: list[AchievementOut], **ERRORS})
def achievement_category(request: HttpRequest, category: Category):
    return [achievement_out(a) for a in Achievement.objects.active().filter(category=category)]


@router.get("/user/{user_id}", response={200: UserAchievementsOut, **ERRORS})
def user_achievements(request: HttpRequest, user_id: PathId):
    user = _readable_user(request, user_id)
    shown = queries.profile_achievements(user=user)
    return {
        "user_id": user.pk,
        "points": shown.points,
        "unlocked": [
            {"achievement": achievement_out(u.achievement), "unlocked_at": u.unlocked_at}
            for u in shown.unlocks
        ],
    }


@router.get("/user/{user_id}/progress", response={200: list[ProgressOut], **ERRORS})
def user_progress(request: HttpRequest, user_id: PathId):
    """Every active achievement with the person's progress, by category."""
    user = _readable_user(request, user_id)
    page = queries.achievements_page(user=user)
    return [
        {
            "achievement": achievement_out(item.achievement),
            "is_unlocked": item.is_unlocked,
            "progress": item.bar_value,
            "progress_percentage": round(100 * item.bar_value / item.required, 1),
            "unlocked_at": item.unlocked_at,
            "current": item.current,
            "required": item.required,
        }
        for category in page.categories
        for item in category.items
    ]


@router.post("/user/{user_id}/check", response={200: list[UnlockOut], **ERRORS})
def user_check(request: HttpRequest, user_id: PathId, payload: CheckIn | None = None):
    """Unlocks what you have earned (yourself only); returns the new unlocks, so a second
    call returns none."""
    claimed = {user_id, payload.user_id if payload else None} - {None}
    if claimed != {request.user.pk}:
        raise PermissionDenied("You can only check your own achievements.")
    unlocks = services.achievements_check(user=request.user)
    return [
        {"achievement": achievement_out(u.achievement), "unlocked_at": u.unlocked_at}
        for u in unlocks
    ]
