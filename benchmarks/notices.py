"""Notices per second for a mailing batch, and the review queue's server time.

    DATABASE_URL=postgres://... python -m benchmarks.notices [--notices 1000] [--cases 10000]

Use a scratch database: the script migrates it and adds its own camera, cases and audit
rows (the audit rows it adds for the case page are not hash-chained).

* notices: N issued citations (each with real JPEG stills and a plate crop in a
  temporary evidence store, an owner and a notice row, created in bulk) are printed by
  ``mailing_batch_create``, the service the staff use: a new PIN and its hash per
  notice, one PDF of all pages, a CSV manifest, the audit row. Reported: notices/s for
  the whole service and for the PDF alone.
* queue: N cases waiting for first review; the review queue page (unfiltered, by
  camera, by speed band, by date) and the case page are requested through Django's
  test client as a signed-in reviewer. Reported: median and p95 server time (no
  network; middleware, queries, template rendering included).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import table, write_summary

TMP = Path(tempfile.mkdtemp(prefix="fairspeed-bench-notices-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["EVIDENCE_ROOT"] = str(TMP / "evidence")
os.environ["NOTICES_ROOT"] = str(TMP / "notices")


def _setup() -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def _base(width: int, height: int, seed: int) -> np.ndarray:
    import cv2

    rng = np.random.default_rng(seed)
    noise = rng.integers(60, 200, (height, width, 3), dtype=np.uint8)
    image: np.ndarray = cv2.GaussianBlur(noise, (9, 9), 3)
    cv2.rectangle(image, (width // 3, height // 3), (2 * width // 3, height - 20), (40, 40, 200), 3)
    return image


def _jpeg(base: np.ndarray, label: str) -> bytes:
    """A distinct JPEG per notice (ReportLab stores identical images once)."""
    import cv2

    image = base.copy()
    cv2.putText(
        image, label, (10, image.shape[0] - 10), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1
    )
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 85])
    assert ok
    return bytes(data)


def _camera(code: str) -> Any:
    from cameras.models import Calibration, Camera, Site

    site, _ = Site.objects.get_or_create(
        name=f"Bench site {code}", defaults={"jurisdiction": "demo"}
    )
    camera, _ = Camera.objects.get_or_create(
        code=code, defaults={"name": code, "site": site, "source_url": "/dev/null"}
    )
    if not camera.calibrations.exists():
        Calibration.objects.create(
            camera=camera, version=1, data={}, residual_rms_m=0, max_residual_m=0
        )
    return camera


def _violations(camera: Any, n: int, status: str, evidence_prefix: str = "") -> list[Any]:
    from django.utils import timezone

    from enforcement.models import Violation

    files = [
        {"name": "01_entry.jpg", "role": "entry"},
        {"name": "02_exit.jpg", "role": "exit"},
        {"name": "03_plate.jpg", "role": "plate"},
    ]
    now = timezone.now()
    rng = np.random.default_rng(1)
    rows = [
        Violation(
            event_id=uuid.uuid4(),
            camera=camera,
            calibration=camera.calibrations.first(),
            measured_at=now - dt.timedelta(minutes=int(rng.integers(0, 60 * 24 * 30))),
            speed_kmh=float(rng.uniform(62, 120)),
            uncertainty_kmh=1.5,
            limit_kmh=50,
            plate_text=f"B{i:06d}",
            plate_confidence=0.9,
            status=status,
            status_reason="all checks passed",
            evidence_dir=f"{evidence_prefix}/{i}" if evidence_prefix else "",
            evidence_manifest={"files": files},
            evidence_verified=True,
        )
        for i in range(n)
    ]
    return Violation.objects.bulk_create(rows, batch_size=2000)


def bench_notices(n: int) -> dict[str, float]:
    from django.core.files.storage import storages
    from django.utils import timezone

    from enforcement.cases.mailing import mailing_batch_create
    from enforcement.cases.notice_pdf import Printed, notices_pdf
    from enforcement.models import Notice, OwnerRecord

    camera = _camera("bench-notices")
    violations = _violations(camera, n, "citation_issued", evidence_prefix="bench")
    storage = storages["evidence"]
    sizes = {"01_entry.jpg": (960, 540), "02_exit.jpg": (960, 540), "03_plate.jpg": (160, 60)}
    bases = {name: _base(w, h, len(name)) for name, (w, h) in sizes.items()}
    for v in violations:
        for name, base in bases.items():
            storage.save(f"{v.evidence_dir}/{name}", _ctx(_jpeg(base, f"{v.pk} {name}")))
    now = timezone.now()
    OwnerRecord.objects.bulk_create(
        [
            OwnerRecord(
                violation=v,
                source="bench",
                plate=v.plate_text,
                name="Bench Owner",
                address="1 Test St; Springfield",
                language="es" if i % 2 else "en",
                looked_up_at=now,
            )
            for i, v in enumerate(violations)
        ],
        batch_size=2000,
    )
    Notice.objects.bulk_create(
        [
            Notice(
                violation=v,
                kind="citation",
                number=f"9{i:010d}",
                plate=v.plate_text,
                ruleset="demo",
                fine_amount=100,
                language="es" if i % 2 else "en",
                issued_at=now,
            )
            for i, v in enumerate(violations)
        ],
        batch_size=2000,
    )
    notices = list(
        Notice.objects.filter(violation__camera=camera, batch__isnull=True)
        .select_related("violation__camera__site", "violation__calibration", "violation__owner")
        .order_by("pk")
    )
    deadlines = {
        "pay": "2027-01-05",
        "relief": "2027-01-05",
        "nominate": "2027-01-05",
        "contest": "2027-01-05",
    }
    started, cpu = time.perf_counter(), time.process_time()
    pdf = notices_pdf([(x, Printed("ACDEFGHJ", deadlines)) for x in notices])
    pdf_s, pdf_cpu = time.perf_counter() - started, time.process_time() - cpu
    started, cpu = time.perf_counter(), time.process_time()
    result = mailing_batch_create(None, dt.date.today())
    batch_s, batch_cpu = time.perf_counter() - started, time.process_time() - cpu
    assert result is not None and len(result.pins) >= n
    return {
        "notices": n,
        "pdf_only_s": pdf_s,
        "pdf_only_per_s": n / pdf_s,
        "pdf_mb": len(pdf) / 1e6,
        "batch_service_s": batch_s,
        "batch_service_per_s": len(result.pins) / batch_s,
        # CPU seconds of this process: on a shared machine, wall time includes waiting.
        "pdf_only_cpu_s": pdf_cpu,
        "batch_service_cpu_s": batch_cpu,
        "batch_service_per_cpu_s": len(result.pins) / batch_cpu,
    }


def _ctx(data: bytes) -> Any:
    from django.core.files.base import ContentFile

    return ContentFile(data)


CPU_MS: dict[str, list[float]] = {}


def _timed(client: Any, url: str, repeat: int, label: str = "") -> list[float]:
    """Wall milliseconds per request; this process's CPU milliseconds go to CPU_MS."""
    times = []
    for _ in range(repeat):
        started, cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        CPU_MS.setdefault(label, []).append((time.process_time() - cpu) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return times


def bench_queue(n: int, repeat: int) -> dict[str, Any]:
    from django.contrib.auth.models import Group, User
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from enforcement.models import Violation
    from policy.models import AuditEvent

    camera = _camera("bench-queue")
    _camera("bench-queue-2")
    existing = Violation.objects.filter(camera=camera, status="awaiting_review").count()
    if existing < n:
        made = _violations(camera, n - existing, "awaiting_review")
        now = timezone.now()
        AuditEvent.objects.bulk_create(
            [
                AuditEvent(
                    created_at=now,
                    actor_label="bench",
                    action="violation.recorded",
                    object_type="enforcement.violation",
                    object_id=str(v.pk),
                    details={"checks": {"threshold": True}, "facts": {}},
                    prev_hash="bench",
                    hash=uuid.uuid4().hex,
                )
                for v in made
            ],
            batch_size=2000,
        )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
    user, _ = User.objects.get_or_create(username="bench_reviewer")
    user.groups.add(Group.objects.get(name="reviewer"))
    client = Client()
    client.force_login(user)
    day = (timezone.localdate() - dt.timedelta(days=3)).isoformat()
    urls = {
        "queue": "/staff/cases/queue/review/",
        "queue page 20": "/staff/cases/queue/review/?page=20",
        "queue by camera": "/staff/cases/queue/review/?camera=bench-queue",
        "queue by band": "/staff/cases/queue/review/?band=20-40",
        "queue by date": f"/staff/cases/queue/review/?date_from={day}",
    }
    results = {}
    for label, url in urls.items():
        _timed(client, url, 2)  # warm up
        results[label] = _timed(client, url, repeat, label)
    pks = list(
        Violation.objects.filter(camera=camera, status="awaiting_review").values_list(
            "pk", flat=True
        )[:repeat]
    )
    times = []
    for pk in pks:
        times += _timed(client, f"/staff/cases/{pk}/", 1, "case page (claims, audited)")
    results["case page (claims, audited)"] = times
    return {
        "cases": Violation.objects.filter(status="awaiting_review").count(),
        "engine": connection.vendor,
        "ms": {
            k: {
                "median": statistics.median(v),
                "p95": _p95(v),
                "cpu_median": statistics.median(CPU_MS[k]),
                "cpu_p95": _p95(CPU_MS[k]),
            }
            for k, v in results.items()
        },
    }


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notices", type=int, default=1000)
    parser.add_argument("--cases", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=60)
    args = parser.parse_args(argv)
    _setup()
    notices = bench_notices(args.notices) if args.notices else {}
    queue = bench_queue(args.cases, args.repeat) if args.cases else {}
    if notices:
        print(
            f"notices: {notices['notices']} in one batch: "
            f"{notices['batch_service_per_s']:.1f}/s through mailing_batch_create "
            f"({notices['batch_service_s']:.1f} s); PDF alone {notices['pdf_only_per_s']:.1f}/s, "
            f"{notices['pdf_mb']:.1f} MB; per CPU-second of this process "
            f"{notices['batch_service_per_cpu_s']:.1f}/s (service), "
            f"{notices['notices'] / notices['pdf_only_cpu_s']:.1f}/s (PDF alone)"
        )
    if queue:
        rows = [
            [
                k,
                f"{v['median']:.1f}",
                f"{v['p95']:.1f}",
                f"{v['cpu_median']:.1f}",
                f"{v['cpu_p95']:.1f}",
            ]
            for k, v in queue["ms"].items()
        ]
        print(f"review queue, {queue['cases']} cases waiting ({queue['engine']}):")
        print(table(rows, ["request", "median ms", "p95 ms", "CPU median", "CPU p95"]))
    path = write_summary("notices", {"args": vars(args), "notices": notices, "queue": queue})
    print(f"summary: {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
