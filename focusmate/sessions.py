"""Django's database sessions, with the read every logged-in request makes compiled once.

SESSION_ENGINE = "focusmate.sessions". The stored sessions are Django's own (the same
table and encoding), so switching engines logs nobody out.

What it replaces: Django's `django.contrib.sessions.backends.db`, whose read builds and
compiles its queryset on every logged-in request. It is part of the prepared reads
(focusmate/lib/prepared.py): PERF_KIT_OFF=prepared switches back to Django's engine, and
the figures there (the room list page +33%, the timer partial +45%) include it:

    .venv/bin/python bench/kit.py prepared pages
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.core.exceptions import SuspiciousOperation
from django.utils import timezone

from focusmate.lib.prepared import PreparedQuery

_unexpired_by_key = PreparedQuery(
    lambda session_key, now: Session.objects.filter(session_key=session_key, expire_date__gt=now)[
        :1
    ],
    params={"session_key": str, "now": datetime},
)


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self):
        try:
            found = _unexpired_by_key.fetch(session_key=self.session_key, now=timezone.now())
        except SuspiciousOperation as error:  # as Django's own store reports it
            logging.getLogger(f"django.security.{type(error).__name__}").warning(str(error))
            found = []
        if not found:
            self._session_key = None
            return None
        return found[0]
