"""The JSON API at /api/v1: one NinjaAPI, one router per group of the original API.

The forum (Community) and direct messages (Messages) have theirs too.
"""

from __future__ import annotations

from django.urls import URLPattern, path
from ninja import NinjaAPI

from api import errors
from api.auth import AUTH
from api.parser import JsonBodyParser
from api.routers import (
    achievements,
    auth,
    community,
    follows,
    messages,
    participants,
    rooms,
    stats,
    timer,
)
from partners import api as partners
from scheduling import api as schedule

UNSUPPORTED_MEDIA_TYPE = {
    "description": "The body was not sent as application/json.",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {"detail": {"type": "string"}},
                "required": ["detail"],
            }
        }
    },
}


class FocusMateAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        """The schema, with the 415 that api/parser.py gives every operation taking a body."""
        schema = super().get_openapi_schema(**kwargs)
        for operations in schema["paths"].values():
            for operation in operations.values():
                if "requestBody" in operation:
                    operation["responses"].setdefault("415", UNSUPPORTED_MEDIA_TYPE)
        return schema


api = FocusMateAPI(
    title="Focus Mate API",
    version="1",
    description=(
        "The original Focus Mate backend's endpoints, request bodies and answers, with "
        "every action authorised. Authenticate with `Authorization: Bearer <access_token>` "
        "from `POST /auth/login`. IDs are sent as strings of digits and accepted as a "
        "string or a number; a request field may use the original's name or ours where "
        'they differ (both are listed). Errors are `{"detail": ...}`.'
    ),
    auth=AUTH,
    parser=JsonBodyParser(),  # a body must be sent as application/json (415 otherwise)
    urls_namespace="api",
)
errors.install(api)

api.add_router("/auth", auth.router)
api.add_router("/rooms", rooms.router)
api.add_router("/timer", timer.router)
api.add_router("/participants", participants.router)
api.add_router("/stats", stats.router)
api.add_router("/achievements", achievements.router)
api.add_router("/community", community.router)
api.add_router("/messages", messages.router)
api.add_router("/schedule", schedule.router)
api.add_router("/partners", partners.router)
api.add_router("/follows", follows.router)


def _other_spelling(route: str) -> str:
    return route[:-1] if route.endswith("/") else f"{route}/"


def url_patterns() -> tuple[list, str, str]:
    """The API's URL patterns, each also under its other spelling (with or without the
    trailing slash), so that `GET /achievements` is served rather than redirected: a
    client of the original sends both, and a redirected POST loses its body.

    The twins come after every route as defined, so they never shadow one; they have no
    name, so `reverse()` keeps giving the defined spelling.
    """
    patterns, app_name, namespace = api.urls
    twins = [
        path(_other_spelling(str(pattern.pattern)), pattern.callback)
        for pattern in patterns
        if isinstance(pattern, URLPattern) and str(pattern.pattern)
    ]
    return [*patterns, *twins], app_name, namespace
