"""What can be reported, and how its owning app hides and restores it.

Moderation never writes another app's tables: an app registers each of its reportable
models with its own services for hiding and restoring (called inside the moderator's
transaction), and how to find the content's author. Registering in the app's
`AppConfig.ready` keeps the dependency pointing down, to moderation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models


@dataclass(frozen=True)
class Moderatable:
    author_id: Callable[[models.Model], int]
    # None for targets that are people, not content (a reported user).
    hide: Callable[[models.Model], None] | None = None
    restore: Callable[[models.Model], None] | None = None
    # Where a moderator reads it in context (a page, or an admin change view).
    url: Callable[[models.Model], str] | None = None


_registry: dict[type[models.Model], Moderatable] = {}


def register(model: type[models.Model], moderatable: Moderatable) -> None:
    _registry[model] = moderatable


def moderatable(target: models.Model) -> Moderatable:
    """How to moderate `target`; LookupError for a model nobody registered."""
    try:
        return _registry[type(target)]
    except KeyError:
        raise LookupError(f"{type(target).__name__} can't be reported.") from None


def registered_models() -> list[type[models.Model]]:
    return list(_registry)
