"""The edge: a service's refusal (`ValidationError`, `PermissionDenied`) becomes an answer
a person can read, here and nowhere else.

Views answer refusals in one of three ways, each named:

- `@answers_refusals(back=...)`: for HTMX, a short text the page shows as a toast (400,
  403, or 429 when rate-limited); otherwise a message and a redirect to `back`;
- `@answers_refusals(back=..., flash_only=True)`: the message and the redirect, HTMX or
  not (a form whose page reloads anyway);
- `with refusals_into(form):` around the service call of a form page: the refusal becomes
  the form's error and the page renders the form again (a decorator can't, since the form
  and its page are the view's own).

An access rule that refuses the page itself raises `PageForbidden`: Django's 403 page,
as for any page one may not open, not a toast.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from focusmate.lib.ratelimit import RateLimited

REFUSALS = (ValidationError, PermissionDenied)


class PageForbidden(PermissionDenied):
    """The page (or action) is not for this person at all: an access rule, checked before
    any service runs. `answers_refusals` lets it through to Django's 403 page."""


def error_message(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or "You can't do that."


def error_response(request: HttpRequest, error: Exception, *, fallback_url: str) -> HttpResponse:
    """For HTMX: a short text the page shows as a toast. Otherwise: a message and a redirect."""
    status = (
        429
        if isinstance(error, RateLimited)
        else 403
        if isinstance(error, PermissionDenied)
        else 400
    )
    if getattr(request, "htmx", False):
        return HttpResponse(
            error_message(error), status=status, content_type="text/plain; charset=utf-8"
        )
    messages.error(request, error_message(error))
    return redirect(fallback_url)


def answers_refusals(*, back: Callable[..., str], flash_only: bool = False):
    """Turns the view's refusals into `error_response`'s answer.

    `back(request, **view_kwargs)` is where a full page goes back to; it runs only when
    something was refused. `flash_only`: a message and that redirect even for HTMX.
    """

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            try:
                return view(request, *args, **kwargs)
            except PageForbidden:
                raise
            except REFUSALS as error:
                if flash_only:
                    messages.error(request, error_message(error))
                    return redirect(back(request, **kwargs))
                return error_response(request, error, fallback_url=back(request, **kwargs))

        return wrapper

    return decorate


@contextmanager
def refusals_into(form: forms.Form) -> Iterator[None]:
    """A refusal inside the block becomes the form's error (a field's own when the service
    named a field of this form) and the code after the block runs: it renders the form."""
    try:
        yield
    except PageForbidden:
        raise
    except REFUSALS as error:
        if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, error_message(error))


def same_page(request: HttpRequest, **_kwargs) -> str:
    """`back` for a page whose form posts to itself."""
    return request.path
