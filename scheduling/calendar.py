"""iCalendar (RFC 5545) for sessions: one session's .ics and a person's private feed.

Rendered with the `icalendar` library (collective/icalendar): it is the maintained,
widely used Python implementation of RFC 5545, it escapes text, folds long lines and
writes UTC date-times as the standard wants, and it parses too, so the tests read the
feed back with the same library a careful client would use. Writing the format by hand
would mean getting escaping and line folding right ourselves.

Times are UTC (`DTSTART:20261207T080000Z`): exact across daylight saving whatever zone
the calendar app shows them in. The UID is stable per session, SEQUENCE rises at each
change a calendar must take, and a cancelled session (or a seat given back) stays in the
feed as STATUS:CANCELLED so that subscribed calendars drop it rather than keep it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from icalendar import Calendar, Event

from scheduling.models import ScheduledSession

PRODID = "-//Focus Mate//Scheduled sessions//EN"


def session_uid(session: ScheduledSession) -> str:
    return f"session-{session.pk}@focusmate"


def _event(session: ScheduledSession, *, url: str, now: datetime, cancelled: bool) -> Event:
    event = Event()
    event.add("uid", session_uid(session))
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", session.starts_at.astimezone(UTC))
    event.add("dtend", session.ends_at.astimezone(UTC))
    event.add("summary", f"Focus: {session.title or session.room.name}")
    event.add(
        "description",
        f"A focus session in “{session.room.name}”, organised by "
        f"{session.organiser.username}.\n{url}",
    )
    event.add("url", url)
    event.add("sequence", session.sequence)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return event


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    return calendar


def session_ics(session: ScheduledSession, *, url: str, now: datetime) -> bytes:
    calendar = _calendar(session.title or session.room.name)
    calendar.add_component(_event(session, url=url, now=now, cancelled=session.is_cancelled))
    return calendar.to_ical()


def feed_ics(sessions: Iterable[ScheduledSession], *, user, url_of, now: datetime) -> bytes:
    """`sessions` from `scheduling.queries.feed_sessions`; `url_of(session)` its page's
    absolute URL."""
    calendar = _calendar("Focus Mate sessions")
    for session in sessions:
        given_back = getattr(session, "seat_given_back", False) and session.organiser_id != user.pk
        cancelled = session.is_cancelled or given_back
        calendar.add_component(_event(session, url=url_of(session), now=now, cancelled=cancelled))
    return calendar.to_ical()
