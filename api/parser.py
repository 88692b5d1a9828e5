"""Request bodies must say they are JSON.

A body sent as text/plain (or with no Content-Type) is a CORS "simple" request, which
a page on any site can make a browser send without asking first; django-ninja's own
parser read such a body as JSON all the same, so `POST /auth/login` answered 200 to one
(issue #22, C). Every operation that reads a JSON body goes through `parse_body`, so
this one check covers them all, and operations without a body are not concerned.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.parser import Parser
from ninja.types import DictStrAny

JSON = "application/json"


class UnsupportedMediaType(HttpError):
    def __init__(self) -> None:
        super().__init__(
            415, "The request body must be JSON, sent with Content-Type: application/json."
        )


def is_json(request: HttpRequest) -> bool:
    """application/json, with no charset or UTF-8's (the only one JSON allows)."""
    if request.content_type != JSON:
        return False
    charset = request.content_params.get("charset")
    return charset is None or charset.lower().replace("-", "") == "utf8"


class JsonBodyParser(Parser):
    def parse_body(self, request: HttpRequest) -> DictStrAny:
        if not request.META:
            # django-ninja's stand-in for one field of a multipart form (a schema beside
            # an uploaded file): the form came as multipart, which is what it asks for.
            return super().parse_body(request)
        if not is_json(request):
            # django-ninja turns this into a 400 "Cannot parse request body";
            # api/errors.py gives it back its own status.
            raise UnsupportedMediaType
        return super().parse_body(request)
