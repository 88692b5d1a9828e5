"""Direct messages at size: one person with 10,000 conversations, one conversation with
100,000 messages, and the time from a send to the receiver's socket.

It builds throw-away users and rows in the database from DATABASE_URL (bulk inserts,
not the services), starts the real server on a free 127.0.0.1 port, and measures:

- the inbox (`/messages/`) and the big conversation's page (`/messages/<name>/`), each
  requested one at a time by a client on the same machine (so the figure is the server's
  time plus a loopback round trip: an upper bound of the server time);
- send -> socket: the receiver holds `/ws/me/` open; other people POST a message to them
  (as the page's HTMX form does), one after another, and each delay runs from just
  before the POST to the frame with that message on the receiver's socket.

Everything it made is deleted at the end (unless --keep).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/focusmate_bench \\
    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python bench/messages.py
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import sys
import time
from datetime import timedelta

import django
import httpx
import websockets
from django.conf import settings
from django.db import connection
from django.db.models import Max
from django.utils import timezone
from harness import (  # configures Django from the environment
    HOST,
    Server,
    Session,
    check_migrated,
    free_port,
    spread,
    users_with_sessions,
)

from accounts.models import User
from messaging.models import Conversation, ConversationMember, Message


def build(conversations: int, messages: int) -> tuple[list[User], list[str]]:
    """The inbox owner first, then one person per conversation; all logged in.

    The first of those people shares the big conversation (`messages` messages) with the
    owner; every other conversation holds one message to the owner, unread.
    """
    _, users, sessions = users_with_sessions(conversations + 1)
    owner, others = users[0], users[1:]
    now = timezone.now()
    pairs = Conversation.objects.bulk_create(
        [
            Conversation(user_low_id=min(owner.pk, o.pk), user_high_id=max(owner.pk, o.pk))
            for o in others
        ],
        batch_size=5000,
    )
    firsts = Message.objects.bulk_create(
        [
            Message(
                conversation=c,
                sender=o,
                body=f"Hello {owner.username}, it's {o.username}\nA second line",
                created_at=now - timedelta(seconds=n + 1),
            )
            for n, (c, o) in enumerate(zip(pairs, others, strict=True))
        ],
        batch_size=5000,
    )
    big, partner = pairs[0], others[0]
    for start in range(0, messages - 1, 10_000):
        Message.objects.bulk_create(
            [
                Message(
                    conversation=big,
                    sender=owner if n % 2 else partner,
                    body=f"message {n} in a long conversation, https://example.org/{n}",
                )
                for n in range(start, min(start + 10_000, messages - 1))
            ]
        )
    last_ids = dict(
        Message.objects.filter(conversation__in=pairs)
        .values_list("conversation_id")
        .order_by()
        .annotate(newest=Max("id"))
    )
    for c in pairs:
        c.last_message_id = last_ids[c.pk]
    Conversation.objects.bulk_update(pairs, ["last_message"], batch_size=5000)
    members = []
    for c, o, first in zip(pairs, others, firsts, strict=True):
        at = now if c is big else first.created_at
        members += [
            ConversationMember(conversation=c, user=owner, other=o, last_activity_at=at),
            ConversationMember(conversation=c, user=o, other=owner, last_activity_at=at),
        ]
    ConversationMember.objects.bulk_create(members, batch_size=5000)
    return users, [s.session_key for s in sessions]


async def time_pages(base: str, owner_session: str, partner: str, rounds: int) -> list[str]:
    lines = []
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        http.cookies.set("sessionid", owner_session, domain=HOST)
        for label, path in (
            ("floor", "/health"),  # the same round trip with one query and a layer ping
            ("inbox", "/messages/"),
            ("inbox p.400", "/messages/?page=400"),
            ("conversation", f"/messages/{partner}/"),
        ):
            first = await http.get(path)  # uncounted: connection and first render
            first.raise_for_status()
            took = []
            for _ in range(rounds):
                t0 = time.perf_counter()
                response = await http.get(path)
                took.append(time.perf_counter() - t0)
                response.raise_for_status()
            lines.append(f"{label:<13}GET {path} x{rounds}, one at a time: {spread(took)}")
    return lines


async def time_sends(base: str, owner: User, senders: list[str], session: str) -> list[str]:
    """Each sender POSTs one message to the owner; the owner's socket times its arrival."""
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        http.cookies.set("sessionid", senders[0], domain=HOST)
        page = await http.get(f"/messages/{owner.username}/")
        page.raise_for_status()
        cookie = re.search(r"csrftoken=([^;]+)", page.headers.get("set-cookie", ""))
        token = re.search(r'"X-CSRFToken": "([^"]+)"', page.text)
        if not cookie or not token:
            raise RuntimeError("the conversation page set no CSRF cookie or token")
        http.cookies.clear()
        socket = await websockets.connect(
            base.replace("http", "ws") + "/ws/me/",
            origin=base,
            additional_headers={"Cookie": f"sessionid={session}"},
            max_size=None,
            ping_interval=None,
        )
        await asyncio.sleep(0.5)
        delays, posts, statuses = [], [], []
        for n, sender in enumerate(senders):
            marker = f"bench-send-{n}-{time.time_ns()}"
            headers = {
                "Cookie": f"sessionid={sender}; csrftoken={cookie.group(1)}",
                "X-CSRFToken": token.group(1),
                "Origin": base,
                "Referer": f"{base}/messages/{owner.username}/",
                "HX-Request": "true",
            }
            t0 = time.perf_counter()
            response = await http.post(
                f"/messages/{owner.username}/", data={"body": marker}, headers=headers
            )
            posts.append(time.perf_counter() - t0)
            statuses.append(response.status_code)
            try:
                while True:
                    frame = await asyncio.wait_for(socket.recv(), timeout=5)
                    if marker in frame:
                        delays.append(time.perf_counter() - t0)
                        break
            except TimeoutError:
                pass  # counted below as not delivered
        await socket.close()
    ok = statuses.count(200)
    return [
        f"send         POST /messages/{owner.username}/ x{len(senders)} (one sender each, "
        f"in turn): {ok} ok; POST {spread(posts)}",
        f"send->socket {len(delays)}/{len(senders)} reached the receiver's /ws/me/: "
        f"{spread(delays)}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=100, help="requests per page (100)")
    parser.add_argument("--sends", type=int, default=200, help="messages sent (200)")
    parser.add_argument("--keep", action="store_true", help="keep the rows afterwards")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run it on PostgreSQL: set DATABASE_URL=postgres://...")
    if args.sends > args.conversations:
        parser.error("--sends can't exceed --conversations (one sender each)")
    check_migrated()
    t0 = time.perf_counter()
    users, sessions = build(args.conversations, args.messages)
    built = time.perf_counter() - t0
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE messaging_message, messaging_conversationmember")
    connection.close()
    server = Server("daphne", free_port(), workers=True)
    lines = [
        f"config       db={connection.vendor} layer="
        f"{settings.CHANNEL_LAYERS['default']['BACKEND'].rsplit('.', 1)[-1]} "
        f"debug={settings.DEBUG} python={platform.python_version()} "
        f"django={django.get_version()} cpus={os.cpu_count()}",
        f"data         {args.conversations:,} conversations for one person, one of them with "
        f"{args.messages:,} messages (built in {built:.1f} s)",
    ]
    owner, partner = users[0], users[1]
    try:
        server.wait_until_up()
        lines += asyncio.run(time_pages(server.url, sessions[0], partner.username, args.rounds))
        # Senders other than the big conversation's partner: one message each (rate limits
        # are per person), into their existing conversations with the owner.
        lines += asyncio.run(
            time_sends(server.url, owner, sessions[2 : 2 + args.sends], sessions[0])
        )
    except BaseException:
        print("\n".join(lines), file=sys.stderr)
        print(f"--- server log ({server.log_path}) ---\n{server.log_tail()}", file=sys.stderr)
        raise
    finally:
        server.stop()
        if not args.keep:
            Session.objects.filter(session_key__in=sessions).delete()
            User.objects.filter(pk__in=[u.pk for u in users]).delete()
    print("```")
    print("\n".join(lines))
    print("```")


if __name__ == "__main__":
    main()
