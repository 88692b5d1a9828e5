"""Who may see that a person is focusing now, and where (one rule for the dashboard's
page, its pushes and the API).

- The person's `focus_visibility`: everyone who follows them, only those they follow
  back, or nobody. Only followers ever see it (the panel lists whom one follows).
- The room is named only to a viewer who may see it (`Room.is_visible_to`, the rooms'
  one rule); anyone else reads "a private room".
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from accounts.models import FocusVisibility, Follow


def focus_shown_to_viewer() -> Q:
    """A filter on Participant rows annotated with `viewer_id` (a follower of the row's
    person): the rows whose focusing the viewer may see."""
    follows_back = Follow.objects.filter(
        follower_id=OuterRef("user_id"), followed_id=OuterRef("viewer_id")
    )
    return Q(user__focus_visibility=FocusVisibility.EVERYONE) | Q(
        Exists(follows_back), user__focus_visibility=FocusVisibility.FOLLOW_BACK
    )


def room_named_to(room, viewer, membership) -> bool:
    """May `viewer` (given their membership row of `room`, or None) see its name?"""
    return room.is_visible_to(viewer, membership)
