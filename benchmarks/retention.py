"""Retention purge throughput: records and files purged per second.

``python -m benchmarks.retention [--records 100000] [--files 2] [--database-url URL]``

Builds a scratch database (SQLite in a temporary folder unless ``--database-url`` names
a PostgreSQL server, where a scratch database is created and dropped) with ``--records``
rejected readings past their period, each with ``--files`` evidence files on local
storage, then runs the real purge once and times it. Every record must end purged, with
its files gone and one deletion-log row.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, cast

from benchmarks.common import django_scratch, write_summary

SCRATCH = "fairspeed_bench_retention"


def _configure(tmp: Path, database_url: str | None) -> None:
    os.environ["EVIDENCE_ROOT"] = str(tmp / "evidence")
    django_scratch(tmp, database_url, SCRATCH)


def _populate(records: int, files: int, evidence: Path) -> None:
    from django.utils import timezone

    from cameras.models import Camera
    from enforcement.models import Violation, ViolationStatus
    from tests.factories import CameraFactory

    camera = cast(Camera, CameraFactory(site__jurisdiction="ca-ab645"))
    old = timezone.now() - dt.timedelta(days=30)
    batch: list[Violation] = []
    for i in range(records):
        event_id = uuid.uuid4()
        folder = f"{camera.code}/{event_id}"
        (evidence / folder).mkdir(parents=True)
        for f in range(files):
            (evidence / folder / f"{f:02d}.jpg").write_bytes(b"x" * 2048)
        batch.append(
            Violation(
                event_id=event_id,
                camera=camera,
                measured_at=old,
                speed_kmh=80,
                uncertainty_kmh=1,
                limit_kmh=50,
                plate_text="BENCH1",
                evidence_dir=folder,
                status=ViolationStatus.REJECTED,
                status_reason="bench",
            )
        )
        if len(batch) == 5000 or i == records - 1:
            Violation.objects.bulk_create(batch)
            batch = []
    Violation.objects.update(received_at=old)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--files", type=int, default=2, help="evidence files per record")
    ap.add_argument("--database-url", help="a PostgreSQL server (default: SQLite)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-retention-") as name:
        tmp = Path(name)
        _configure(tmp, args.database_url)
        from django.db import connection

        from enforcement.models import DeletionRecord, Violation
        from enforcement.retention import retention_purge

        t0 = time.perf_counter()
        _populate(args.records, args.files, tmp / "evidence")
        built = time.perf_counter() - t0
        t0 = time.perf_counter()
        report = retention_purge()
        wall = time.perf_counter() - t0
        left = sum(len(files) for _, _, files in os.walk(tmp / "evidence"))
        summary = {
            "database": connection.vendor,
            "records": args.records,
            "files": report.files_deleted,
            "setup_s": round(built, 1),
            "purge_s": round(wall, 1),
            "records_per_s": round(report.violations_purged / wall, 1),
            "files_per_s": round(report.files_deleted / wall, 1),
            "all_purged": report.violations_purged == args.records
            and not Violation.objects.filter(evidence_purged_at__isnull=True).exists(),
            "files_left": left,
            "deletion_log_rows": DeletionRecord.objects.count(),
        }
        connection.close()
    print("Retention purge, local storage")
    for key, value in summary.items():
        print(f"  {key:>18}: {value}")
    write_summary("retention", summary)
    return summary


if __name__ == "__main__":
    main()
