"""1:1 partner matching under load: N people book the same partner slot at the same
moment; the time until every booking is committed and paired, and whether anyone was
doubled.

    DATABASE_URL=postgres://... .venv/bin/python bench/partners.py \
        [--people 1000] [--processes 2] [--workers 16]

N throw-away people, each booking through `partners.services.partner_book` (the service
the page and the API call) from `--processes` processes of `--workers` threads each (as a
site's several server processes would), each thread with its own database connection, all
released together. Every booking of the slot takes the slot's advisory lock,
so this measures the matching's serial section: the pair's room, timer, session, seats,
bells and email rows, made in one transaction per booking.

Checked afterwards: N/2 matches of exactly two people, each person in one match, each
room's members and each session's seats the same two, nobody left waiting (N even).
Everything it made is deleted at the end.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.db import connection, connections
from django.db.models import Count
from django.utils import timezone
from harness import check_migrated, ms, percentile

from accounts.models import User
from partners import services
from partners.models import PartnerBooking, PartnerMatch
from rooms.models import Participant, Room
from scheduling.models import Booking

DBTaskResult = apps.get_model("django_tasks_database", "DBTaskResult")


def make_people(count: int, tag: str) -> list[User]:
    password = make_password(None)
    User.objects.bulk_create(
        [
            User(username=f"{tag}_{n}", email=f"{tag}_{n}@example.com", password=password)
            for n in range(count)
        ],
        batch_size=1000,
    )
    return list(User.objects.filter(username__startswith=f"{tag}_").order_by("pk"))


def doubled(user_ids: list[int]) -> dict[str, int]:
    live = PartnerBooking.objects.live().filter(user_id__in=user_ids, match__isnull=False)
    per_match = live.values("match").annotate(n=Count("pk"), people=Count("user", distinct=True))
    bad_matches = sum(1 for row in per_match if row["n"] != 2 or row["people"] != 2)
    per_person = live.values("user").annotate(n=Count("pk")).filter(n__gt=1).count()
    match_ids = list(live.values_list("match_id", flat=True).distinct())
    rooms_off = sessions_off = 0
    for match in PartnerMatch.objects.filter(pk__in=match_ids):
        pair = set(live.filter(match=match).values_list("user_id", flat=True))
        members = set(
            Participant.objects.present()
            .filter(room_id=match.room_id)
            .values_list("user_id", flat=True)
        )
        seats = set(
            Booking.objects.held()
            .filter(session_id=match.session_id)
            .values_list("user_id", flat=True)
        )
        rooms_off += members != pair
        sessions_off += seats != pair
    return {
        "matches not of two": bad_matches,
        "people in two matches": per_person,
        "rooms not the pair": rooms_off,
        "sessions not the pair": sessions_off,
    }


def book_in_a_process(shares, starts_at, ready, go, results) -> None:
    """One server process: a thread per share, each booking its people one by one."""
    latencies: list[float] = []
    errors: list[str] = []

    def worker(share: list[User]) -> None:
        try:
            go.wait()
            for person in share:
                t = time.perf_counter()
                services.partner_book(user=person, starts_at=starts_at, work_minutes=25)
                latencies.append(time.perf_counter() - t)
        except Exception as error:
            errors.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(share,)) for share in shares]
    for thread in threads:
        thread.start()
    ready.wait()
    for thread in threads:
        thread.join()
    # perf_counter is CLOCK_MONOTONIC: comparable across processes on one machine.
    results.put((time.perf_counter(), latencies, errors))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument(
        "--workers", type=int, default=16, help="threads per process, one connection each"
    )
    args = parser.parse_args()
    check_migrated()
    tag = f"pbench{int(time.time())}"
    people = make_people(args.people, tag)
    user_ids = [p.pk for p in people]
    at = timezone.now().replace(second=0, microsecond=0) + timedelta(hours=3)
    starts_at = at - timedelta(minutes=at.minute % 15)
    threads_total = args.processes * args.workers
    shares = [people[i::threads_total] for i in range(threads_total)]
    context = multiprocessing.get_context("fork")
    ready = context.Barrier(args.processes + 1)
    go = context.Event()
    results = context.Queue()
    connections.close_all()  # a forked child must not share the parent's connection
    children = [
        context.Process(
            target=book_in_a_process,
            args=(shares[n :: args.processes], starts_at, ready, go, results),
        )
        for n in range(args.processes)
    ]
    for child in children:
        child.start()
    ready.wait()
    t0 = time.perf_counter()
    go.set()
    latencies: list[float] = []
    errors: list[str] = []
    finished: list[float] = []
    for _ in children:
        done_at, child_latencies, child_errors = results.get()
        finished.append(done_at)
        latencies += child_latencies
        errors += child_errors
    for child in children:
        child.join()
    elapsed = max(finished) - t0
    try:
        bookings = PartnerBooking.objects.filter(user_id__in=user_ids)
        matches = PartnerMatch.objects.filter(bookings__user_id__in=user_ids).distinct().count()
        waiting = bookings.filter(match__isnull=True).count()
        checks = doubled(user_ids)
        print("```")
        print(
            f"config     db={connection.vendor} people={args.people} processes={args.processes} "
            f"threads={args.workers} each "
            f"cpus={os.cpu_count()}"
        )
        print(
            f"matching   {bookings.count()} bookings committed in {elapsed:.2f} s "
            f"({bookings.count() / elapsed:,.0f}/s); per booking p50 "
            f"{ms(percentile(latencies, 50))} p99 {ms(percentile(latencies, 99))}"
        )
        print(f"pairs      {matches} matches, {waiting} waiting, errors {len(errors)}")
        print(
            "doubled    "
            + ", ".join(f"{name} {count}" for name, count in checks.items())
            + f" -> 0 doubled: {not any(checks.values())}"
        )
        print("```", flush=True)
        if errors:
            print("first error:", errors[0])
    finally:
        room_ids = list(
            PartnerMatch.objects.filter(bookings__user_id__in=user_ids).values_list(
                "room_id", flat=True
            )
        )
        DBTaskResult.objects.filter(task_path__endswith="partner_emails_send").delete()
        User.objects.filter(pk__in=user_ids).delete()
        Room.objects.filter(pk__in=room_ids).delete()


if __name__ == "__main__":
    main()
