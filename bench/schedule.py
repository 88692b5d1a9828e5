"""Benchmark scheduled sessions: N sessions starting in the same minute across N rooms.

    DATABASE_URL=postgres://... REDIS_URL=redis://... .venv/bin/python bench/schedule.py \\
        --sessions 10000 --schedulers 2

It makes N throw-away people, each owning a room (with its timer) and booked on that
room's one session; every session starts at the same instant a little ahead. Each person's
reminder lead is set to one minute (`--lead-minutes`; the profile offers 5 to 60 minutes,
written here straight to the row so the bench does not wait an hour), so the N reminders
fall due together too. Then it starts `--schedulers` real `manage.py runtimers` processes
and one `manage.py runtasks` (the email worker, console mailer), and watches the database:

- start lateness: for each session, when its start (the timer running and `started_at`)
  was first seen committed, minus its `starts_at` (a poll every 50 ms, so an upper bound);
  also `started_at` itself, the instant the pass read the clock;
- reminders: from their due moment until every one was committed (bell line + queued
  email), as a rate; then until every email was sent by the worker;
- exactly once: one bell line per person, one email task entry per booking, N emails in
  the worker's log, every timer at version 1 (started once, never twice).

Everything it made is deleted at the end.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.utils import timezone
from harness import ROOT, check_migrated, ms, percentile

from accounts.models import User
from messaging.models import Notification
from rooms.models import Room
from scheduling.models import Booking, ScheduledSession, SchedulePreferences
from timers.models import Timer

POLL_SECONDS = 0.05
# django-tasks-db's model, looked up once Django is set up (harness does that on import).
DBTaskResult = apps.get_model("django_tasks_database", "DBTaskResult")


def make_schedule(count: int, *, starts_in: float, lead_minutes: int) -> tuple[str, list[int]]:
    tag = f"sched{os.getpid()}x{int(time.time()) % 100000}"
    unusable = make_password(None)
    User.objects.bulk_create(
        (
            User(username=f"{tag}_{i}", email=f"{tag}_{i}@bench.invalid", password=unusable)
            for i in range(count)
        ),
        batch_size=2000,
    )
    users = list(User.objects.filter(username__startswith=f"{tag}_").order_by("pk"))
    Room.objects.bulk_create(
        (Room(name=f"Scheduled {tag} {i}", owner=u, is_public=False) for i, u in enumerate(users)),
        batch_size=2000,
    )
    rooms = list(Room.objects.filter(name__startswith=f"Scheduled {tag} ").order_by("pk"))
    Timer.objects.bulk_create((Timer(room=room) for room in rooms), batch_size=2000)
    SchedulePreferences.objects.bulk_create(
        (SchedulePreferences(user=u, reminder_minutes=lead_minutes) for u in users),
        batch_size=2000,
    )
    starts_at = (timezone.now() + timedelta(seconds=starts_in)).replace(microsecond=0)
    ScheduledSession.objects.bulk_create(
        (
            ScheduledSession(
                room=room,
                organiser_id=room.owner_id,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(minutes=25),
                work_minutes=25,
                capacity=1,
                timezone="UTC",
            )
            for room in rooms
        ),
        batch_size=2000,
    )
    sessions = ScheduledSession.objects.filter(room__in=rooms)
    now = timezone.now()
    Booking.objects.bulk_create(
        (
            Booking(session_id=pk, user_id=owner, booked_at=now)
            for pk, owner in sessions.values_list("pk", "room__owner_id")
        ),
        batch_size=2000,
    )
    return tag, [room.pk for room in rooms]


def start(command: list[str], name: str) -> tuple[subprocess.Popen, Path]:
    log_path = ROOT / "var" / f"bench-schedule-{name}.log"
    log_path.parent.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "ALLOW_CONSOLE_EMAIL": "true",
        "TASK_WORKER_POLL_SECONDS": "0.2",
    }
    process = subprocess.Popen(
        [sys.executable, "manage.py", *command],
        cwd=ROOT,
        env=env,
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
    )
    return process, log_path


def wait_for_line(log_path: Path, text: str, *, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while text not in log_path.read_text():
        if time.monotonic() > deadline:
            sys.exit(f"{log_path} never said {text!r}:\n{log_path.read_text()[-2000:]}")
        time.sleep(0.2)


def watch(sessions, *, count: int, timeout: float) -> dict[int, float]:
    """Polls until every session started; returns when each was first seen (epoch s): a
    row a query sees was committed before the query began, so that is an upper bound."""
    seen: dict[int, float] = {}
    deadline = time.monotonic() + timeout
    while len(seen) < count and time.monotonic() < deadline:
        at = time.time()
        for pk in sessions.filter(started_at__isnull=False).values_list("pk", flat=True):
            seen.setdefault(pk, at)
        time.sleep(POLL_SECONDS)
    return seen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--schedulers", type=int, default=2)
    parser.add_argument("--lead-minutes", type=int, default=1, help="reminder lead (1)")
    parser.add_argument(
        "--setup-seconds", type=float, default=25, help="from the set-up's end to the reminders"
    )
    parser.add_argument(
        "--email-seconds", type=float, default=120, help="how long to wait for the emails"
    )
    args = parser.parse_args()
    check_migrated()
    # The processes first: a Python process takes seconds to start on a busy machine.
    processes = [start(["runtimers"], f"timers{i}") for i in range(args.schedulers)]
    worker, worker_log = start(["runtasks"], "worker")
    for _, log_path in processes:
        wait_for_line(log_path, "timer scheduler started")
    wait_for_line(worker_log, "Task worker")
    t0 = time.monotonic()
    tag, room_ids = make_schedule(
        args.sessions,
        starts_in=args.setup_seconds + 60 * args.lead_minutes,
        lead_minutes=args.lead_minutes,
    )
    setup = time.monotonic() - t0
    # A range of keys, not ten thousand parameters, for the watcher's quick polls.
    sessions = ScheduledSession.objects.filter(
        room_id__gte=min(room_ids), room_id__lte=max(room_ids)
    )
    starts_at = sessions.values_list("starts_at", flat=True).first()
    remind_at = starts_at - timedelta(minutes=args.lead_minutes)
    bookings = Booking.objects.filter(session__room_id__in=room_ids)
    users = User.objects.filter(username__startswith=f"{tag}_")
    lines = [
        f"config     db={connection.vendor} sessions={args.sessions} "
        f"schedulers={args.schedulers} cpus={os.cpu_count()} set-up {setup:.0f} s"
    ]
    try:
        # Reminders: due together at remind_at; committed when reminded_at is set.
        wait = (starts_at - timezone.now()).total_seconds() + 10
        seen = watch(sessions, count=len(room_ids), timeout=wait + 60)
        started = list(sessions.values_list("pk", "started_at", "starts_at"))
        reminded = sorted(
            bookings.values_list("reminded_at", flat=True), key=lambda t: t or starts_at
        )
        missing_reminders = sum(1 for at in reminded if at is None)
        done = [at for at in reminded if at is not None]
        if done:
            span = (done[-1] - remind_at).total_seconds()
            lag = [(at - remind_at).total_seconds() for at in done]
            lines.append(
                f"reminders  {len(done)} claimed (bell + queued email) within {span:.2f} s of "
                f"their due moment: {len(done) / max(span, 1e-3):,.0f}/s; lateness "
                f"p50 {ms(percentile(lag, 50))} p99 {ms(percentile(lag, 99))}; "
                f"not sent {missing_reminders}"
            )
        visible = [seen[pk] - starts_at.timestamp() for pk, _, _ in started if pk in seen]
        stamped = [(at - due).total_seconds() for _, at, due in started if at is not None]
        lines.append(
            f"starts     {len(visible)}/{len(started)} seen committed, lateness p50 "
            f"{ms(percentile(visible, 50))} p99 {ms(percentile(visible, 99))} "
            f"max {ms(max(visible))} (poll {int(POLL_SECONDS * 1000)} ms); pass clock p99 "
            f"{ms(percentile(stamped, 99))}"
        )
        # Emails: the worker sends them after the commits; wait for them.
        deadline = time.monotonic() + args.email_seconds
        while bookings.filter(reminder_emailed_at__isnull=True).exists():
            if time.monotonic() > deadline:
                break
            time.sleep(0.5)
        emailed = list(
            bookings.exclude(reminder_emailed_at=None).values_list("reminder_emailed_at", flat=True)
        )
        if emailed:
            span = (max(emailed) - remind_at).total_seconds()
            lines.append(
                f"emails     {len(emailed)} sent by one worker within {span:.1f} s "
                f"({len(emailed) / span:,.0f}/s)"
            )
        time.sleep(1)  # a double would come now
        bells = Notification.objects.filter(user__in=users, text__startswith="Reminder")
        queued = [
            booking_id
            for task in DBTaskResult.objects.filter(task_path__endswith="reminder_emails_send")
            for booking_id in task.args_kwargs["args"][0]
        ]
        booking_ids = set(bookings.values_list("pk", flat=True))
        ours = [b for b in queued if b in booking_ids]
        recipients = re.findall(rf"^To: ({tag}_\d+)@", worker_log.read_text(), flags=re.MULTILINE)
        mails = len(recipients)
        versions = set(Timer.objects.filter(room_id__in=room_ids).values_list("version", flat=True))
        once = (
            bells.count() == bells.values("user").distinct().count() == args.sessions
            and sorted(ours) == sorted(booking_ids)
            and mails == len(set(recipients))  # each email in the log so far, once
            and versions == {1}
        )
        lines.append(
            f"once       bell lines {bells.count()} for {bells.values('user').distinct().count()} "
            f"people; email tasks name {len(ours)} bookings ({len(set(ours))} distinct); "
            f"{mails} emails in the worker's log; timer versions {sorted(versions)}; "
            f"exactly once: {once}"
        )
    finally:
        print("```")
        print("\n".join(lines))
        print("```", flush=True)
        for process, _ in [*processes, (worker, worker_log)]:
            process.terminate()
        for process, _ in [*processes, (worker, worker_log)]:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:  # the worker finishes its task first
                process.kill()
                process.wait()
        DBTaskResult.objects.filter(task_path__endswith="reminder_emails_send").delete()
        Room.objects.filter(pk__in=room_ids).delete()
        users.delete()


if __name__ == "__main__":
    main()
