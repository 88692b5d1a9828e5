"""Who is calling: a Bearer token (no CSRF: nothing a browser sends by itself) or the
site's session cookie (CSRF checked, as on the pages)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer

from api.queries import token_for_credential


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>` from POST /auth/login, /auth/register or
    /auth/refresh (a JWT; an opaque token from before JWTs until it expires)."""

    def authenticate(self, request: HttpRequest, token: str):
        found = token_for_credential(token)
        if found is None:
            return None
        request.user = found.user
        request.api_token = found
        return found.user


class SiteSessionAuth(APIKeyCookie):
    """The site's login session, for its own pages' scripts; CSRF is checked as on forms.

    A request without the session cookie is simply not authenticated this way (a 401,
    not a CSRF 403: it may be a token client that forgot its token).
    """

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None):
        if key is None:
            return None
        user = request.user
        return user if user.is_authenticated and user.is_active else None


token_auth = TokenAuth()
session_auth = SiteSessionAuth()
AUTH = [token_auth, session_auth]
