"""One Start press: one reading of the clock, the engine twice, one rendering, one view
of the timer for the push's HTML, its `data` and the button's answer (issue #24)."""

from __future__ import annotations

import contextlib
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.signals import template_rendered
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rooms.tests.helpers import HTMX, T0
from timers import engine, rendering

pytestmark = pytest.mark.django_db(transaction=True)  # the push runs after a real commit

TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


@pytest.fixture
def ticking_clock(monkeypatch):
    """Every reading of the clock is a microsecond later than the one before."""
    readings = []

    def now():
        readings.append(T0 + timedelta(microseconds=len(readings)))
        return readings[-1]

    monkeypatch.setattr("django.utils.timezone.now", now)
    return readings


@pytest.fixture
def engine_runs(monkeypatch):
    runs: list[str] = []
    for name in ("advance", "run"):
        real = getattr(engine, name)

        def spy(*args, _name=name, _real=real, **kwargs):
            runs.append(_name)
            return _real(*args, **kwargs)

        monkeypatch.setattr(engine, name, spy)
    return runs


@pytest.fixture
def pushed(monkeypatch):
    sent: list[dict] = []
    monkeypatch.setattr(
        "focusmate.lib.broadcast.send_now", lambda group, payload: sent.append(payload)
    )
    return sent


@contextlib.contextmanager
def timer_renderings():
    rendered: list[str] = []

    def record(sender, template, context, **kwargs):
        if template.name == "timers/_timer.html":
            rendered.append(template.name)

    # Nothing kept from an earlier test may stand in for this press's rendering.
    rendering._view.cache_clear()
    rendering._render_look.cache_clear()
    template_rendered.connect(record)
    try:
        yield rendered
    finally:
        template_rendered.disconnect(record)


def _server_now(html: str) -> str:
    return re.search(r'data-server-now="([^"]+)"', html).group(1)


def test_one_start_press_builds_one_view_of_the_timer(
    signed_in, room, bob, ticking_clock, engine_runs, pushed
):
    client = signed_in(bob)
    url = reverse("rooms:timer", args=[room.pk])

    with timer_renderings() as rendered, CaptureQueriesContext(connection) as queries:
        response = client.post(url, {"action": "start"}, headers=HTMX)

    assert response.status_code == 200
    assert engine_runs == ["advance", "run"]  # the catch-up, then the command
    assert rendered == ["timers/_timer.html"]  # once, for the push and the answer
    statements = [q["sql"] for q in queries if not q["sql"].startswith(TRANSACTION_CONTROL)]
    assert len(statements) <= 5  # as pinned before (rooms/tests/test_query_pins.py)

    (push,) = [p for p in pushed if p["type"] == "timer.changed"]
    answer = response.content.decode()
    instant = push["data"]["server_now"]
    assert _server_now(push["html"]) == instant == _server_now(answer)
    assert push["data"]["status"] == "running"
    # The push and the answer differ only in what each is for.
    assert 'hx-swap-oob="true"' in push["html"] and 'hx-swap-oob="true"' not in answer
    assert "csrfmiddlewaretoken" in answer and "csrfmiddlewaretoken" not in push["html"]
