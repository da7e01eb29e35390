"""``python -m benchmarks.equity [--n N]``: the equity dashboard's render time and the dry
run's wall time over N stored violations (default 100,000) and the fictional city's 40
tracts. Targets: dashboard median <= 300 ms, dry run <= 10 s. The dashboard's
figures are cached until the next audit event, so the median with the cache cleared
before each render is reported beside the median of cached renders.

It writes to the configured database: point DATABASE_URL at a scratch database (e.g.
``createdb -h 127.0.0.1 -U postgres policy_bench``); it migrates it and replaces the
violation events it finds there with its own.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import secrets
import statistics
import time
from typing import Any

import django
import msgspec

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from benchmarks.common import table, write_summary  # noqa: E402
from cameras.models import Camera, Site  # noqa: E402
from policy.demo_city import ORIGIN_LAT, ORIGIN_LON, TRACT_DEG  # noqa: E402
from policy.equity import dry_run  # noqa: E402
from policy.management.commands.demo_city import demo_city_load  # noqa: E402
from policy.models import AuditEvent, PlacementProposal, PlacementStatus, Tract  # noqa: E402
from policy.rules.book import RuleBook, ruleset_preset  # noqa: E402
from policy.selectors import rulebook_for  # noqa: E402
from policy.services.tallies import notice_tally_rebuild  # noqa: E402


def seed(n: int) -> list[str]:
    call_command("migrate", "--noinput", verbosity=0)
    if not Tract.objects.exists():
        demo_city_load()
    today = timezone.localdate()
    codes = []
    for tract in Tract.objects.select_related("district"):
        code = f"bench-{tract.geoid.lower()}"
        codes.append(code)
        if Camera.objects.filter(code=code).exists():
            continue
        site = Site.objects.create(name=f"bench {tract.name}", jurisdiction="demo")
        Camera.objects.create(code=code, name=code, site=site, source_url="/dev/null")
        col, row = int(tract.geoid[2:4]) - 1, int(tract.geoid[4:6]) - 1
        PlacementProposal.objects.create(
            site=site, title=f"bench {tract.name}", status=PlacementStatus.APPROVED,
            latitude=ORIGIN_LAT + (row + 0.5) * TRACT_DEG,
            longitude=ORIGIN_LON + (col + 0.5) * TRACT_DEG,
            tract=tract, district=tract.district, active_from=today - dt.timedelta(days=400),
        )  # fmt: skip
    AuditEvent.objects.filter(action="violation.recorded").delete()
    rng = random.Random(16)
    rows = []
    for _ in range(n):
        day = today - dt.timedelta(days=rng.randrange(365))
        speed = 50 + rng.uniform(8, 50)
        facts = {
            "camera_code": rng.choice(codes), "measured_at": f"{day}T10:00:00+00:00",
            "measured_on": day.isoformat(), "speed_kmh": round(speed, 2),
            "uncertainty_kmh": 1.5, "registered_limit_kmh": 50.0, "event_limit_kmh": 50.0,
            "zone": "school", "placement_found": True,
            "placement_active_from": (today - dt.timedelta(days=400)).isoformat(),
            "program_started_on": (today - dt.timedelta(days=400)).isoformat(),
            "has_calibration": True, "certificate_valid": True, "selftest_passed": True,
            "measurement_valid": True, "evidence_verified": True, "plate_confidence": 0.95,
            "prior_notices": rng.choice([0, 0, 1, 3]), "recent_notices": [],
            "emergency_vehicle": False,
        }  # fmt: skip
        outcome = "awaiting_review" if speed - 1.5 - 50 >= 10 else "rejected"
        # Benchmark rows skip the hash chain (audit_record serialises writers); this
        # database is a scratch one, and audit_verify is not what is measured here.
        rows.append(AuditEvent(
            created_at=timezone.now(), actor_label="bench", action="violation.recorded",
            details={"outcome": outcome, "facts": facts}, prev_hash="0" * 64,
            hash=secrets.token_hex(32),
        ))  # fmt: skip
    AuditEvent.objects.bulk_create(rows, batch_size=5000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # what autovacuum does after a bulk load
            cursor.execute("ANALYZE policy_auditevent")
    return codes


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    seed(args.n)
    seed_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    tallies = notice_tally_rebuild()  # what violation_record keeps up to date, row by row
    rebuild_s = time.perf_counter() - t0
    admin, _ = User.objects.get_or_create(username="bench-admin", is_superuser=True)
    client = Client()
    client.force_login(admin)
    assert client.get("/staff/policy/equity/").status_code == 200  # warms templates, session
    cold = []
    for _ in range(args.repeat):
        cache.clear()
        t0 = time.perf_counter()
        assert client.get("/staff/policy/equity/").status_code == 200
        cold.append(time.perf_counter() - t0)
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        response = client.get("/staff/policy/equity/")
        times.append(time.perf_counter() - t0)
        assert response.status_code == 200, response.status_code
    today = timezone.localdate()
    always = dt.date(1900, 1, 1)
    proposed = RuleBook(
        [msgspec.structs.replace(ruleset_preset("ca-ab645"), effective_from=always)]
    )
    t0 = time.perf_counter()
    result = dry_run(rulebook_for("demo"), proposed, today - dt.timedelta(days=366), today)
    dry_s = time.perf_counter() - t0
    summary = {
        "database": connection.vendor,
        "violations": args.n,
        "tracts": Tract.objects.count(),
        "seed_s": round(seed_s, 1),
        "tally_rebuild_s": round(rebuild_s, 2),
        "tally_rows": tallies,
        "dashboard_uncached_ms": [round(1000 * t, 1) for t in cold],
        "dashboard_uncached_median_ms": round(1000 * statistics.median(cold), 1),
        "dashboard_ms": [round(1000 * t, 1) for t in times],
        "dashboard_median_ms": round(1000 * statistics.median(times), 1),
        "dry_run_s": round(dry_s, 2),
        "dry_run_judged": result.judged,
    }
    print(table(
        [[connection.vendor, str(args.n), f"{summary['dashboard_uncached_median_ms']}",
          f"{summary['dashboard_median_ms']}",
          f"{summary['dry_run_s']}", str(result.judged)]],
        ["database", "violations", "dashboard median ms (uncached)", "(cached)",
         "dry run s", "judged"],
    ))  # fmt: skip
    write_summary("equity", summary)
    return summary


if __name__ == "__main__":
    main()
