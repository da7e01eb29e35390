"""Retention purge throughput: records and files purged per second.

``python -m benchmarks.retention [--records 100000] [--files 2] [--cases N] [--database-url URL]``

Builds a scratch database (SQLite in a temporary folder unless ``--database-url`` names
a PostgreSQL server, where a scratch database is created and dropped) with ``--records``
rejected readings past their period, each with ``--files`` evidence files on local
storage, and ``--cases`` closed cases (a tenth of ``--records`` unless given) past every
period, each with a contest and a relief request that carry one uploaded file each in
the portal storage, and a payment. Then it runs the real purge once and times it. Every
record must end purged, with its files gone and one deletion-log row.
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
    os.environ["PORTAL_UPLOADS_ROOT"] = str(tmp / "portal")
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


def _populate_cases(cases: int, portal: Path) -> None:
    """Closed cases, a year and more past closing, with residents' uploads and payments."""
    from decimal import Decimal

    from django.utils import timezone

    from cameras.models import Camera
    from enforcement.models import (
        Contest,
        ContestDocument,
        Notice,
        Payment,
        ReliefDocument,
        ReliefRequest,
        Violation,
        ViolationStatus,
    )
    from tests.factories import CameraFactory

    camera = cast(Camera, CameraFactory(site__jurisdiction="ca-ab645"))
    closed = timezone.now() - dt.timedelta(days=400)
    portal.mkdir(parents=True, exist_ok=True)
    for start in range(0, cases, 2000):
        n = min(2000, cases - start)
        violations = Violation.objects.bulk_create(
            Violation(
                camera=camera,
                measured_at=closed,
                speed_kmh=80,
                uncertainty_kmh=1,
                limit_kmh=50,
                status=ViolationStatus.CLOSED,
                status_reason="bench",
                closed_at=closed,
                ruleset_version="2024.1",
            )
            for _ in range(n)
        )
        if not all(v.pk for v in violations):  # a database that returns no ids on insert
            violations = list(Violation.objects.order_by("-pk")[:n])
        notices = Notice.objects.bulk_create(
            Notice(
                violation=v,
                kind="citation",
                number=f"B{v.pk:010d}",
                plate="BENCH1",
                ruleset="ca-ab645",
                fine_amount=Decimal(100),
                issued_at=closed,
            )
            for v in violations
        )
        notices = list(Notice.objects.filter(violation__in=violations))
        contests = Contest.objects.bulk_create(
            Contest(
                notice=x, ground="bench", statement="bench", status="upheld", submitted_at=closed
            )
            for x in notices
        )
        contests = list(Contest.objects.filter(notice__in=notices))
        reliefs = list(
            ReliefRequest.objects.bulk_create(
                ReliefRequest(
                    notice=x,
                    tier="bench",
                    household_size=1,
                    monthly_income=Decimal(1000),
                    status="denied",
                    submitted_at=closed,
                )
                for x in notices
            )
        )
        reliefs = list(ReliefRequest.objects.filter(notice__in=notices))
        Payment.objects.bulk_create(
            Payment(
                notice=x,
                amount=Decimal(100),
                provider="bench",
                idempotency_key=f"b{x.pk}",
                provider_reference=f"ref{x.pk}",
                status="captured",
                paid_at=closed,
            )
            for x in notices
        )
        docs: dict[str, Any] = {"contest": [], "relief": []}
        for owner, rows in (("contest", contests), ("relief", reliefs)):
            for row in rows:
                name = f"{owner}-{row.pk}.pdf"
                (portal / name).write_bytes(b"%PDF" + b"x" * 2044)
                docs[owner].append(
                    {
                        owner: row,
                        "stored_name": name,
                        "original_name": "bench.pdf",
                        "content_type": "application/pdf",
                        "size": 2048,
                        "sha256": "0" * 64,
                        "uploaded_at": closed,
                    }
                )
        ContestDocument.objects.bulk_create(ContestDocument(**d) for d in docs["contest"])
        ReliefDocument.objects.bulk_create(ReliefDocument(**d) for d in docs["relief"])


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--files", type=int, default=2, help="evidence files per record")
    ap.add_argument("--cases", type=int, help="closed cases with uploads and payments")
    ap.add_argument("--database-url", help="a PostgreSQL server (default: SQLite)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-retention-") as name:
        tmp = Path(name)
        _configure(tmp, args.database_url)
        from django.db import connection

        from enforcement.models import ContestDocument, DeletionRecord, ReliefDocument, Violation
        from enforcement.retention import retention_purge

        t0 = time.perf_counter()
        cases = args.records // 10 if args.cases is None else args.cases
        _populate(args.records, args.files, tmp / "evidence")
        _populate_cases(cases, tmp / "portal")
        built = time.perf_counter() - t0
        t0 = time.perf_counter()
        report = retention_purge()
        wall = time.perf_counter() - t0
        left = sum(len(f) for _, _, f in os.walk(tmp / "evidence"))
        left += sum(len(f) for _, _, f in os.walk(tmp / "portal"))
        purged = report.violations_purged
        summary = {
            "database": connection.vendor,
            "records": args.records,
            "cases": cases,
            "purged": dict(report.purged),
            "files": report.files_deleted,
            "setup_s": round(built, 1),
            "purge_s": round(wall, 1),
            "records_per_s": round(purged / wall, 1),
            "files_per_s": round(report.files_deleted / wall, 1),
            "all_purged": purged == args.records + 5 * cases
            and not Violation.objects.filter(evidence_purged_at__isnull=True).exists()
            and not ContestDocument.objects.exists()
            and not ReliefDocument.objects.exists(),
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
