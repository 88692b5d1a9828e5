"""What one piece of the performance kit buys: a bench run with the piece off, then on,
alternately (off on off on ...), and the median of each figure.

    .venv/bin/python bench/kit.py PIECE BENCH [--runs 3] [-- the bench's own arguments]
    .venv/bin/python bench/kit.py prepared api
    DATABASE_URL=postgres://... REDIS_URL=redis://... \\
        .venv/bin/python bench/kit.py batching due -- --rooms 1000

PIECE is one of settings.PERF_KIT_PIECES; "off" runs the bench with PERF_KIT_OFF=PIECE
in the server's environment (the server reads it once at start-up), "on" without it.
BENCH is api (bench/api.py), pages (bench/pages.py), storm (bench/room_broadcast.py:
sockets arriving at once, then a Start pushed to all of them) or due
(bench/timers_due.py). The benches share the machine with whatever else runs on it;
alternating the two variants spreads that noise over both, and the medians of three
or more runs each are what to compare.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(ROOT))

from focusmate.settings import PERF_KIT_PIECES  # noqa: E402  (no Django set-up needed)

_MS = r"([\d.]+) ms"
# bench -> (script, default arguments, {figure: (pattern, higher is better)})
BENCHES: dict[str, tuple[str, list[str], dict[str, tuple[str, bool]]]] = {
    "api": (
        "api.py",
        ["--duration", "8s", "--connections", "8", "--no-floor"],
        {
            "API room list req/s": (r"GET /api/v1/rooms/ \(20 rooms\)\s+([\d.]+) req/s", True),
            "API timer req/s": (r"GET /api/v1/timer/<id>\s+([\d.]+) req/s", True),
            "/health req/s": (r"GET /health \(for scale\)\s+([\d.]+) req/s", True),
        },
    ),
    "pages": (
        "pages.py",
        ["--duration", "8s", "--connections", "8", "--no-floors"],
        {
            "room list page req/s": (r"GET /rooms/ \(20 rooms\)\s+([\d.]+) req/s", True),
            "timer partial req/s": (r"GET /rooms/<id>/timer/\s+([\d.]+) req/s", True),
        },
    ),
    "storm": (
        "room_broadcast.py",
        ["--clients", "500", "--connect-concurrency", "500", "--seconds", "2"],
        {
            "storm: all snapshots, s": (r"with a snapshot in ([\d.]+) s", False),
            "Start -> frame p50, ms": (r"POST->frame p50 " + _MS, False),
            "Start -> frame p99, ms": (r"POST->frame p50 [\d.]+ ms\s+p99 " + _MS, False),
            "room list under load req/s": (r"([\d.]+) req/s; p50", True),
        },
    ),
    "due": (
        "timers_due.py",
        ["--rooms", "300", "--connect-concurrency", "100"],
        {
            "deadline -> frame p50, ms": (r"deadline->frame p50 " + _MS, False),
            "deadline -> frame p99, ms": (r"deadline->frame p50 [\d.]+ ms\s+p99 " + _MS, False),
            "deadline -> frame max, ms": (r"deadline->frame .*max " + _MS, False),
        },
    ),
}


def run_once(script: str, arguments: list[str], off: str | None) -> str:
    env = {key: value for key, value in os.environ.items() if key != "PERF_KIT_OFF"}
    if off:
        env["PERF_KIT_OFF"] = off
    done = subprocess.run(
        [sys.executable, str(BENCH_DIR / script), *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        sys.exit(f"{script} failed (PERF_KIT_OFF={off or ''}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def figures(output: str, patterns: dict[str, tuple[str, bool]]) -> dict[str, float]:
    found = {}
    for name, (pattern, _) in patterns.items():
        match = re.search(pattern, output)
        if match is None:
            sys.exit(f"no figure {name!r} in:\n{output}")
        found[name] = float(match.group(1))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("piece", choices=PERF_KIT_PIECES)
    parser.add_argument("bench", choices=sorted(BENCHES))
    parser.add_argument("--runs", type=int, default=3, help="runs of each variant (3)")
    parser.add_argument("rest", nargs="*", help="the bench's own arguments (after --)")
    args = parser.parse_args()
    script, defaults, patterns = BENCHES[args.bench]
    arguments = args.rest or defaults
    results: dict[str, list[dict[str, float]]] = {"off": [], "on": []}
    for n in range(args.runs):
        for variant in ("off", "on"):
            output = run_once(script, arguments, args.piece if variant == "off" else None)
            results[variant].append(figures(output, patterns))
            shown = "  ".join(f"{k} {v:g}" for k, v in results[variant][-1].items())
            print(f"run {n + 1} {variant:3}  {shown}", flush=True)
    print(
        f"\n{args.piece} on {args.bench} ({script} {' '.join(arguments)}), "
        f"median of {args.runs} alternating runs each; load {os.getloadavg()[0]:.1f}"
    )
    print(f"| figure | {args.piece} off | on | on vs off |\n| --- | --- | --- | --- |")
    for name, (_, higher_is_better) in patterns.items():
        off = statistics.median(r[name] for r in results["off"])
        on = statistics.median(r[name] for r in results["on"])
        # Positive: the piece helps (more requests, or less time).
        gain = (on / off - 1) if higher_is_better else (off / on - 1)
        print(f"| {name} | {off:g} | {on:g} | {gain * 100:+.0f}% |")


if __name__ == "__main__":
    main()
