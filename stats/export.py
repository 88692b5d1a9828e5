"""The history as CSV, produced a chunk at a time so that memory stays flat.

Rows come from `.iterator(chunk_size=2000)` as plain tuples (no model instances),
and the text is handed on every EXPORT_BATCH rows rather than row by row, which
would cost one ASGI message per line.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterator
from zoneinfo import ZoneInfo

from asgiref.sync import sync_to_async
from django.db.models import QuerySet

from stats.models import SessionHistory

CHUNK_SIZE = 2000
EXPORT_BATCH = 1000
HEADER = ("started_at", "ended_at", "kind", "room", "seconds_credited", "goal", "outcome", "note")
# A cell starting with one of these is a formula to a spreadsheet (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def history_rows(sessions: QuerySet[SessionHistory]) -> QuerySet:
    return sessions.order_by("started_at", "pk").values_list(
        "started_at",
        "ended_at",
        "kind",
        "room__name",
        "seconds_credited",
        "goal",
        "outcome",
        "outcome_note",
    )


def history_csv_chunks(*, sessions: QuerySet[SessionHistory], tz: ZoneInfo) -> Iterator[str]:
    """CSV text for the sessions, oldest first, times in ISO 8601 in `tz`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for count, (started_at, ended_at, kind, room_name, seconds, goal, outcome, note) in enumerate(
        history_rows(sessions).iterator(chunk_size=CHUNK_SIZE), start=1
    ):
        writer.writerow(
            (
                started_at.astimezone(tz).isoformat(),
                ended_at.astimezone(tz).isoformat(),
                kind,
                spreadsheet_safe(room_name),
                seconds,
                spreadsheet_safe(goal),
                outcome,
                spreadsheet_safe(note),
            )
        )
        if count % EXPORT_BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


async def in_worker_thread(chunks: Iterator[str]) -> AsyncIterator[str]:
    """Streams a synchronous generator under ASGI.

    Given a plain iterator, Django's ASGI handler first collects it into a list, which
    would hold the whole file in memory. Pulling each chunk through sync_to_async keeps
    the query (and its database cursor) on the request's one sync thread.
    """
    pull = sync_to_async(next, thread_sensitive=True)
    while (chunk := await pull(chunks, None)) is not None:
        yield chunk
