"""Every answer under /api/v1 is JSON, whoever made it.

The API's own errors are JSON already (api.errors). The rest come from outside its views:
Django's 404 for a path no route matches (its HTML debug page while DEBUG is on),
django-ninja's 405 for a method a path does not take (plain text), a 500 page, a 400 for
a bad Host. A client reads `detail` from all of them, so each becomes
`{"detail": <the status's reason>}`, keeping its status and headers (`Allow`,
`Retry-After`, ...).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse

API_PREFIX = "/api/v1/"
_REPLACED_HEADERS = {"content-type", "content-length"}


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIX) or path == API_PREFIX.rstrip("/")


class JsonErrorsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and is_api_path(request.path_info)
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            return _as_json(response)
        return response


def _as_json(response: HttpResponse) -> JsonResponse:
    answer = JsonResponse({"detail": response.reason_phrase}, status=response.status_code)
    for header, value in response.items():
        if header.lower() not in _REPLACED_HEADERS:
            answer[header] = value
    answer.cookies = response.cookies
    return answer
