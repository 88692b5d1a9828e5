"""Fixtures shared by every app's tests: the personas and the live site for browser tests.

Alice owns things, Bob is a member of what Alice shares, Charlie has no access.
"""

from __future__ import annotations

import importlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from accounts.tests.factories import PASSWORD, UserFactory

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    # Browser tests run last: Playwright's sync API keeps an event loop running in the
    # main thread while the browser is open, and Channels' async_to_sync and the async
    # socket tests refuse to run beside one.
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)


@pytest.fixture(autouse=True)
def _media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _default_achievements(request):
    """Puts back the data migration's achievements where a transactional test flushed them.

    A `transaction=True` test ends by emptying every table, data-migration rows included,
    so without this the tests that rely on the defaults would pass or fail by order.
    """
    if "_django_db_helper" not in request.fixturenames and not request.node.get_closest_marker(
        "django_db"
    ):
        return
    request.getfixturevalue("_django_db_helper")
    from django.apps import apps

    from achievements.models import Achievement

    if not Achievement.objects.exists():
        migration = importlib.import_module("achievements.migrations.0002_default_achievements")
        migration.install_defaults(apps, None)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # The tests' cache is in memory (see settings): clearing it resets every rate limit.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _no_prepared_starts():
    # A scheduler process keeps the starts it prepared (scheduling.runner): one test's
    # must not meet the next test's rows.
    from scheduling import runner

    runner._prepared.clear()


@pytest.fixture
def deliver_at_once(monkeypatch):
    """On-commit work runs at once, as if each service's transaction had committed.

    For tests of what subscribers do; whether a service publishes only after commit (and
    nothing on rollback) is tested with real transactions or captured callbacks.
    """
    monkeypatch.setattr(
        "django.db.transaction.on_commit", lambda func, using=None, robust=False: func()
    )


@pytest.fixture
def published(monkeypatch):
    """The events delivered (after commit) while the test runs; subscribers do not run."""
    from focusmate import events

    delivered: list = []
    monkeypatch.setattr(events, "deliver", delivered.append)
    return delivered


@pytest.fixture
def password() -> str:
    """The password every factory user has."""
    return PASSWORD


@pytest.fixture
def alice(db):
    """Alice owns rooms and posts."""
    return UserFactory(username="alice", timezone="Europe/Berlin")


@pytest.fixture
def bob(db):
    """Bob is a member of what Alice shares."""
    return UserFactory(username="bob")


@pytest.fixture
def charlie(db):
    """Charlie has no access to Alice's things."""
    return UserFactory(username="charlie")


@pytest.fixture
def moderator(db):
    """A staff member with the full admin."""
    return UserFactory(username="mod", is_staff=True, is_superuser=True)


def session_cookie(user) -> str:
    """The value of a session cookie logged in as `user` (for sockets and live servers)."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.cookies[django_settings.SESSION_COOKIE_NAME].value


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url_for_tests() -> str:
    # The test database that pytest-django created, for a server in another process.
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings_dict['NAME']}"
    user = settings_dict.get("USER") or "postgres"
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    auth = user if not settings_dict.get("PASSWORD") else f"{user}:{settings_dict['PASSWORD']}"
    return f"postgres://{auth}@{host}:{port}/{settings_dict['NAME']}"


class LiveSite:
    """A real `manage.py serve` (Daphne, WebSockets, in-process scheduler) on a free port."""

    def __init__(
        self,
        extra_env: dict[str, str] | None = None,
        *,
        command: tuple[str, ...] = ("serve",),
        wait: bool = True,
    ):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "DATABASE_URL": _database_url_for_tests(),
            "DEBUG": "true",
            "ACCOUNT_RATE_LIMITS_ENABLED": "false",
            "FOCUSMATE_ACCEPT_TEST_HASHES": "true",
            "CHANNEL_LAYER_PREFIX": f"e2e{self.port}",
            "PYTHONUNBUFFERED": "1",
            "PYTHONFAULTHANDLER": "1",
            **(extra_env or {}),
        }
        self.log_path = Path(django_settings.BASE_DIR) / "var" / f"live-{self.port}.log"
        self.log_path.parent.mkdir(exist_ok=True)
        self._log = self.log_path.open("w")
        argv = [sys.executable, "manage.py", *command]
        if command[0] == "serve":
            argv += ["--port", str(self.port)]
        self.process = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT
        )
        if wait:
            self._wait_until_up()

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"live server exited:\n{self.log_path.read_text()}")
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=1) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"live server did not start:\n{self.log_path.read_text()}")

    def log_in(self, page, user, password: str) -> None:
        """Signs `user` in through the login form (the server accepts the tests' hashes)."""
        page.goto(f"{self.url}/accounts/login/")
        page.fill("input[name=login]", user.username)
        page.fill("input[name=password]", password)
        page.get_by_role("button", name="Sign In").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            # A server that ignores SIGTERM would hang a deployment's restart too. SIGABRT
            # makes faulthandler write every thread's stack to the log, then it dies.
            self.process.send_signal(signal.SIGABRT)
            self.process.wait(timeout=10)
            raise RuntimeError(
                f"live server did not stop on SIGTERM within 10 s; stacks in {self.log_path}"
            ) from None
        finally:
            self._log.close()


@pytest.fixture
def live_site(request, transactional_db):
    """The whole site served by a real ASGI server against the test database.

    Extra environment for the server comes by indirect parametrisation, e.g.
    `@pytest.mark.parametrize("live_site", [{"TIMER_SYNC_SECONDS": "1"}], indirect=True)`.
    """
    site = LiveSite(extra_env=getattr(request, "param", None))
    yield site
    site.stop()


@pytest.fixture(scope="session")
def chromium():
    """A headless Debian Chromium, driven by Playwright; never a downloaded browser."""
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        reason = f"BROWSER TESTS SKIPPED: {CHROMIUM} is missing (apt-get install chromium)."
        if os.environ.get("FOCUSMATE_REQUIRE_E2E"):
            pytest.fail(reason)
        print(f"\n*** {reason} ***", file=sys.stderr)
        pytest.skip(reason)
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests
    # make between browser steps are still plain synchronous code.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-quic",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(chromium):
    """Opens pages in fresh browser contexts (one per simulated person)."""
    contexts = []

    def open_page(**context_options):
        context = chromium.new_context(**context_options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def room(alice, bob):
    """Alice's public room (25-minute work phases); Bob has joined it, Charlie has not."""
    from rooms import services

    created = services.room_create(owner=alice, name="Thesis writing", work_minutes=25)
    services.room_join(room=created, user=bob)
    return created


@pytest.fixture
def private_room(alice):
    """Alice's private room; only she is in it."""
    from rooms import services

    return services.room_create(owner=alice, name="Secret lab", is_public=False)


@pytest.fixture
def anyio_backend():
    """Async tests (sockets) run on asyncio, as Channels does."""
    return "asyncio"
