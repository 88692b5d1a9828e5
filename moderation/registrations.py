"""What moderation itself registers: people can be reported (and warned or banned)."""

from __future__ import annotations

from accounts.models import User
from moderation.registry import Moderatable, register

register(
    User, Moderatable(author_id=lambda user: user.pk, url=lambda user: user.get_absolute_url())
)
