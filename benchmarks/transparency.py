"""Transparency report render time over a year of data for 20 cameras.

``python -m benchmarks.transparency [--cameras 20] [--violations 20000] [--runs 20]
[--database-url URL]``

Builds a scratch database (PostgreSQL at ``--database-url``, created and dropped; SQLite
in a temporary folder without it) holding ``--cameras`` cameras with approved placements,
a year of monthly traffic roll-ups per camera (what the report reads; the 15-minute rows
behind them are not needed by it and are not built) and ``--violations`` violations
spread over the year, then times ``GET /transparency/`` through Django's test client:
median and p95 of ``--runs`` requests after one warm-up.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, cast

from benchmarks.common import django_scratch, write_summary

SCRATCH = "fairspeed_bench_transparency"


def _populate(cameras: int, violations: int, rng: random.Random) -> None:
    from django.utils import timezone

    from cameras.models import Camera, TrafficMonth
    from enforcement.models import Violation, ViolationStatus
    from tests.factories import CameraFactory, PlacementFactory

    start = dt.date(2026, 1, 1)
    made: list[Camera] = []
    for i in range(cameras):
        camera = cast(Camera, CameraFactory(speed_limit_kmh=40))
        PlacementFactory(site=camera.site, active_from=dt.date(2026, 1 + i % 6, 15))
        made.append(camera)
        months = [dt.date(start.year + (m // 12), m % 12 + 1, 1) for m in range(12)]
        TrafficMonth.objects.bulk_create(
            TrafficMonth(
                camera=camera,
                month=month,
                vehicles=90_000,
                over_limit=20_000,
                speed_histogram={str(b): rng.randint(1000, 9000) for b in range(20, 80, 5)},
            )
            for month in months
        )
    statuses = [
        ViolationStatus.REJECTED, ViolationStatus.WARNING, ViolationStatus.AWAITING_REVIEW,
        ViolationStatus.APPROVED, ViolationStatus.DISMISSED,
    ]  # fmt: skip
    batch = []
    for _ in range(violations):
        when = timezone.make_aware(
            dt.datetime(2026, 1, 1) + dt.timedelta(minutes=rng.randint(0, 365 * 24 * 60))
        )
        batch.append(
            Violation(
                event_id=uuid.uuid4(),
                camera=rng.choice(made),
                measured_at=when,
                speed_kmh=70,
                uncertainty_kmh=1,
                limit_kmh=40,
                status=rng.choice(statuses),
                status_reason="b",
            )
        )
    Violation.objects.bulk_create(batch, batch_size=5000)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cameras", type=int, default=20)
    ap.add_argument("--violations", type=int, default=20_000)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--database-url", help="a PostgreSQL server (default: SQLite)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-transparency-") as name:
        django_scratch(Path(name), args.database_url, SCRATCH)
        from django.db import connection
        from django.test import Client

        _populate(args.cameras, args.violations, random.Random(7))
        client = Client()
        assert client.get("/transparency/").status_code == 200  # warm-up
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            response = client.get("/transparency/")
            times.append(time.perf_counter() - t0)
            assert response.status_code == 200
        times.sort()
        summary = {
            "database": connection.vendor,
            "cameras": args.cameras,
            "violations": args.violations,
            "median_ms": round(statistics.median(times) * 1000, 1),
            "p95_ms": round(times[int(0.95 * (len(times) - 1))] * 1000, 1),
        }
        connection.close()
    print("Transparency report render time (GET /transparency/)")
    for key, value in summary.items():
        print(f"  {key:>11}: {value}")
    write_summary("transparency", summary)
    return summary


if __name__ == "__main__":
    main()
