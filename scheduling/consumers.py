"""Live seats on the per-user socket (/ws/me/), which every logged-in page opens already.

A page that shows scheduled sessions (the week, a session, a room's next sessions) names
them in that socket's query: `?seats=1,2,3&since=<the page's render, epoch seconds>`, and
`&people=1` where it lists who is booked. The socket joins the seats group of each named
session the person may see (`scheduling.queries.watchable_session_ids`, the rule of
`scheduling.access.visible_session`), then sends the seats of those that changed since the
page was rendered, so that nothing between the render and the socket's opening is lost.

Reusing the socket every page has costs no connection. A push carries who may see the
room at the time of the change, and this socket forwards it only to them: the visibility
is checked again for each viewer, on every push, without a query per viewer.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs

from django.utils import timezone

from accounts.queries import active_user
from focusmate.lib.sockets import parallel_db
from messaging.consumers import UserConsumer
from scheduling.groups import seats_group
from scheduling.queries import (
    SEATS_WATCHED,
    booked_people,
    sessions_with_seats_changed,
    watchable_session_ids,
)
from scheduling.rendering import render_booked_people, render_booking


def _watched(query_string: bytes) -> tuple[list[int], datetime | None, bool]:
    """The session ids, the page's render time and whether it lists people; anything
    malformed counts as absent."""
    query = parse_qs(query_string.decode("latin-1"))
    ids = []
    for part in (query.get("seats") or [""])[0].split(",")[:SEATS_WATCHED]:
        if part.isascii() and part.isdecimal() and len(part) < 12:
            ids.append(int(part))
    since = None
    raw_since = (query.get("since") or [""])[0]
    if raw_since.isascii() and raw_since.isdecimal() and len(raw_since) < 12:
        since = datetime.fromtimestamp(int(raw_since), tz=UTC)
    return ids, since, (query.get("people") or [""])[0] == "1"


def _seats_to_watch(user_id: int, session_ids: list[int]) -> list[int]:
    user = active_user(user_id)
    if user is None:
        return []
    return watchable_session_ids(user=user, session_ids=session_ids, now=timezone.now())


def _snapshot(user_id: int, session_ids: list[int], since: datetime, people: bool) -> str:
    """The seats of the watched sessions that changed since the page's render, as this
    viewer sees them (one query, and one more per changed session that lists people)."""
    user = active_user(user_id)
    if user is None or not session_ids:
        return ""
    now = timezone.now()
    html = []
    for session in sessions_with_seats_changed(user=user, session_ids=session_ids, since=since):
        html.append(render_booking(session, is_booked=session.is_booked, now=now))
        if people:
            html.append(render_booked_people(session, booked_people(session=session)))
    return "".join(html)


class UserSocket(UserConsumer):
    """The per-user socket (messaging.consumers.UserConsumer), with the seats of the
    sessions its page shows."""

    seat_groups: list[str] = []
    seat_ids: list[int] = []
    seats_since: datetime | None = None
    with_people = False

    async def connect(self) -> None:
        await super().connect()
        if not hasattr(self, "group"):  # refused
            return
        ids, since, self.with_people = _watched(self.scope.get("query_string", b""))
        if not ids:
            return
        user_id = self.scope["user"].pk
        self.seat_ids = await parallel_db(_seats_to_watch)(user_id, ids)
        self.seat_groups = [seats_group(pk) for pk in self.seat_ids]
        for group in self.seat_groups:
            await self.channel_layer.group_add(group, self.channel_name)
        self.seats_since = since
        await self._send_seats_changed()

    async def _send_seats_changed(self) -> None:
        """What changed since the page's render (a push between the render and now)."""
        if self.seats_since is None or not self.seat_ids:
            return
        user_id = self.scope["user"].pk
        html = await parallel_db(_snapshot)(
            user_id, self.seat_ids, self.seats_since, self.with_people
        )
        if html:
            await self.send(text_data=html)

    async def resync(self) -> None:
        """After a channel-layer outage: the messages' markers, and the seats again."""
        await super().resync()
        await self._send_seats_changed()

    async def disconnect(self, code: int) -> None:
        if self.seat_groups:
            await self.leave_groups(*self.seat_groups)
        await super().disconnect(code)

    async def seats_changed(self, event: dict) -> None:
        if self.revoked:
            return
        user_id = self.scope["user"].pk
        viewers = event["viewer_ids"]
        if viewers is not None and user_id not in viewers:
            return  # no longer sees the room (a private room's member removed)
        html = event["booked_html"] if user_id in event["booked_ids"] else event["html"]
        if self.with_people:
            html += event["people_html"]
        await self.send(text_data=html)
