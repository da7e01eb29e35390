"""Audit write overhead under concurrent writers, on PostgreSQL.

``python -m benchmarks.audit [--writers 1 8] [--requests 300] [--database-url URL]``

Each writer process serves "requests": one transaction that stores a row (a session
row, a stand-in for any service's write), with or without an ``audit_record`` in the
same transaction. Printed per writer count: median and p95 latency of a request with
and without the audit write, and requests per second. Afterwards the chain must be
linear (no two events share a predecessor) and verify end to end. Runs in a scratch
database (created, migrated, dropped), never the application's.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import time
import uuid
from typing import Any

from benchmarks.common import scratch_postgres, write_summary

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/postgres"
SCRATCH = "fairspeed_bench_audit"


def _setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def _one_request(audited: bool, writer: int, i: int) -> float:
    from django.contrib.sessions.models import Session
    from django.db import transaction
    from django.utils import timezone

    from policy.audit import audit_record

    started = time.perf_counter()
    with transaction.atomic():
        session = Session.objects.create(
            session_key=uuid.uuid4().hex, session_data="x", expire_date=timezone.now()
        )
        if audited:
            audit_record(
                actor=None,
                action="bench.request",
                obj=session,
                reason=f"writer {writer} request {i}",
                details={"writer": writer, "i": i},
            )
    return time.perf_counter() - started


def _writer(url: str, audited: bool, writer: int, requests: int, queue: Any) -> None:
    _setup_django(url)
    latencies = [_one_request(audited, writer, i) for i in range(requests)]
    queue.put(latencies)


def _run(url: str, writers: int, requests: int, audited: bool) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    procs = [
        ctx.Process(target=_writer, args=(url, audited, w, requests, queue)) for w in range(writers)
    ]
    started = time.perf_counter()
    for p in procs:
        p.start()
    latencies: list[float] = []
    for _ in procs:
        latencies += queue.get()
    for p in procs:
        p.join()
    wall = time.perf_counter() - started
    latencies.sort()
    return {
        "writers": writers,
        "audited": audited,
        "requests": len(latencies),
        "median_ms": round(statistics.median(latencies) * 1000, 2),
        "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))] * 1000, 2),
        "per_s": round(len(latencies) / wall, 1),
    }


def _chain_check() -> dict[str, Any]:
    from django.db.models import Count

    from policy.audit_chain import audit_verify
    from policy.models import AuditEvent

    shared = AuditEvent.objects.values("prev_hash").annotate(n=Count("id")).filter(n__gt=1).count()
    report = audit_verify()
    return {"events": report.checked, "verifies": report.ok, "shared_predecessors": shared}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--writers", type=int, nargs="+", default=[1, 8])
    ap.add_argument("--requests", type=int, default=300, help="per writer")
    ap.add_argument("--database-url", default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_URL))
    args = ap.parse_args(argv)
    url = scratch_postgres(args.database_url, SCRATCH)
    _setup_django(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    rows = [
        _run(url, writers, args.requests, audited)
        for writers in args.writers
        for audited in (False, True)
    ]
    print("Audit write overhead, PostgreSQL (latency of one write transaction)")
    print(
        f"{'writers':>7} {'audit':>6} {'requests':>8} {'median ms':>9} {'p95 ms':>7} {'req/s':>7}"
    )
    for r in rows:
        print(
            f"{r['writers']:>7} {'yes' if r['audited'] else 'no':>6} {r['requests']:>8} "
            f"{r['median_ms']:>9} {r['p95_ms']:>7} {r['per_s']:>7}"
        )
    chain = _chain_check()
    print(f"chain after the run: {chain}")
    from django.db import connections

    connections.close_all()
    scratch_postgres(args.database_url, SCRATCH)  # leave only a fresh, empty scratch db
    summary = {"rows": rows, "chain": chain}
    write_summary("audit", summary)
    return summary


if __name__ == "__main__":
    main()
