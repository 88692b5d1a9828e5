"""Request bodies must say they are JSON; a body with nothing in it is an empty object.

A body sent as text/plain (or with no Content-Type) is a CORS "simple" request, which
a page on any site can make a browser send without asking first; django-ninja's own
parser read such a body as JSON all the same, so `POST /auth/login` answered 200 to one
(issue #22, C). Every operation that reads a JSON body goes through `parse_body`, so
this one check covers them all, and operations without a body are not concerned.

A body with nothing in it (or an empty form) is `{}`: the original's clients send none
where every field is optional (`POST /achievements/user/{id}/check`), and some tools
send an empty form instead.
"""

from __future__ import annotations

from django.http import HttpRequest, QueryDict
from ninja.errors import HttpError
from ninja.parser import Parser
from ninja.types import DictStrAny

JSON = "application/json"


class UnsupportedMediaType(HttpError):
    def __init__(self) -> None:
        super().__init__(
            415, "The request body must be JSON, sent with Content-Type: application/json."
        )


def _is_empty_form(request: HttpRequest) -> bool:
    """A form with no field at all (whatever the method: Django parses only a POST's)."""
    body = request.body.strip()
    if request.content_type == "application/x-www-form-urlencoded":
        return not QueryDict(body)
    if request.content_type == "multipart/form-data":
        boundary = request.content_params.get("boundary", "")
        return bool(boundary) and body == f"--{boundary}--".encode()
    return False


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
        if not request.body.strip() or _is_empty_form(request):
            return {}
        if not is_json(request):
            # django-ninja turns this into a 400 "Cannot parse request body";
            # api/errors.py gives it back its own status.
            raise UnsupportedMediaType
        return super().parse_body(request)
