"""CPU cost of each portal page, without a load tool: the resident's visit (look-up form,
look-up, case page, evidence image) through Django's test client, in one process, on
the load test's PostgreSQL database and Redis cache.

    .venv/bin/python -m benchmarks.portal_cpu [--visits 100] [--profile PAGE]

Needs the seeded ``portal_load`` database (run ``benchmarks.portal_load`` once, or
``--seed N`` here). Prints per page: process CPU milliseconds per request (median and
mean: what one core spends in Django, templates and the driver, not PostgreSQL's own
time), wall milliseconds and the number of SQL queries. ``--profile PAGE`` (1-4)
prints the top of a cProfile of that page over all visits. Writes
``var/bench/portal_cpu.json``.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from benchmarks.portal_load import CREDS, REPO, _env, _recreatedb

PAGES = ("1 look-up form", "2 look-up", "3 case page", "4 evidence image")


def _visit(client: Any, cred: dict[str, str]) -> list[Callable[[], Any]]:
    def form() -> Any:
        client.cookies.clear()
        return client.get("/portal/")

    def lookup() -> Any:
        return client.post("/portal/", cred)

    return [
        form,
        lookup,
        lambda: client.get("/portal/case/"),
        lambda: b"".join(client.get("/portal/case/evidence/entry/").streaming_content),
    ]


def measure(visits: int, profile: int | None) -> dict[str, Any]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    # No setup_test_environment(): its template instrumentation copies every context,
    # a cost gunicorn does not pay.
    creds = json.loads(CREDS.read_text())
    client = Client()
    cpu: dict[str, list[float]] = {p: [] for p in PAGES}
    wall: dict[str, list[float]] = {p: [] for p in PAGES}
    queries: dict[str, int] = {}
    for step, page in zip(_visit(client, creds[0]), PAGES, strict=True):  # warm-up + counts
        with CaptureQueriesContext(connection) as ctx:
            step()
        queries[page] = len(ctx.captured_queries)
    profiler = cProfile.Profile() if profile else None
    for i in range(visits):
        for n, (step, page) in enumerate(
            zip(_visit(client, creds[i % len(creds)]), PAGES, strict=True), 1
        ):
            c0, w0 = time.process_time(), time.perf_counter()
            if profiler is not None and n == profile:
                profiler.enable()
            step()
            if profiler is not None and n == profile:
                profiler.disable()
            cpu[page].append((time.process_time() - c0) * 1000)
            wall[page].append((time.perf_counter() - w0) * 1000)
    if profiler is not None:
        stats = pstats.Stats(profiler).sort_stats(os.environ.get("PROFILE_SORT", "cumulative"))
        stats.print_stats(int(os.environ.get("PROFILE_TOP", "30")))
    return {
        page: {
            "cpu_ms_median": round(statistics.median(cpu[page]), 2),
            "cpu_ms_mean": round(statistics.fmean(cpu[page]), 2),
            "wall_ms_median": round(statistics.median(wall[page]), 2),
            "queries": queries[page],
        }
        for page in PAGES
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visits", type=int, default=100)
    parser.add_argument("--profile", type=int, choices=[1, 2, 3, 4])
    parser.add_argument("--seed", type=int, help="migrate and seed N citations first")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        result = {
            "visits": args.visits,
            "load_average": os.getloadavg(),
            "pages": measure(args.visits, args.profile),
        }
        (REPO / "var" / "bench").mkdir(parents=True, exist_ok=True)
        (REPO / "var" / "bench" / "portal_cpu.json").write_text(json.dumps(result, indent=2))
        print(json.dumps(result, indent=2))
        return
    env = _env()
    py = sys.executable
    if args.seed:
        _recreatedb(env["DATABASE_URL"])
        subprocess.run([py, "manage.py", "migrate", "-v0"], env=env, cwd=REPO, check=True)
        seed = [py, "-m", "benchmarks.portal_load", "--seed", str(args.seed)]
        subprocess.run(seed, env=env, cwd=REPO, check=True)
    inner = [py, "-m", "benchmarks.portal_cpu", "--inner", "--visits", str(args.visits)]
    if args.profile:
        inner += ["--profile", str(args.profile)]
    subprocess.run(inner, env=env, cwd=REPO, check=True)


if __name__ == "__main__":
    main()
