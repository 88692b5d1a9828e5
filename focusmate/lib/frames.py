"""Socket frames validated like forms: the same fields and validators as the HTTP path.

A frame is JSON text from the browser (the htmx ws extension sends the form's fields
plus a HEADERS object). Anything wrong with it becomes a `FrameError` with a message
for the person, never an exception that would kill the socket.
"""

from __future__ import annotations

import json

from django import forms

# Characters, not bytes: what a person could have typed. The server's own limit on a
# WebSocket frame (serve.py) lets every frame this long through, whatever its script.
MAX_FRAME_CHARACTERS = 16 * 1024


class FrameError(ValueError):
    """A frame that can't be acted on; the message is safe to show."""


def parse_frame(text: str | None, form_class: type[forms.Form]) -> dict:
    """The cleaned values of the form's fields that the frame carries (only those)."""
    if text is None or len(text) > MAX_FRAME_CHARACTERS:
        raise FrameError("That message is too large.")
    try:
        frame = json.loads(text)
    except (ValueError, RecursionError) as error:  # deeply nested JSON recurses
        raise FrameError("That message isn't valid.") from error
    if not isinstance(frame, dict):
        raise FrameError("That message isn't valid.")
    form = form_class()
    carried = {name: frame[name] for name in form.fields if name in frame}
    for value in carried.values():
        if not isinstance(value, str | int | float | bool) and value is not None:
            raise FrameError("That message isn't valid.")
    if not carried:
        raise FrameError("That message isn't valid.")
    form = form_class(data={k: "" if v is None else str(v) for k, v in carried.items()})
    if not form.is_valid():
        raise FrameError(" ".join(e for errors in form.errors.values() for e in errors))
    return {name: form.cleaned_data[name] for name in carried}
