"""Resident portal under load: look-up → case page → evidence image, served by gunicorn
on PostgreSQL, driven by locust (headless).

    .venv/bin/python -m benchmarks.portal_load [--users 200] [--seconds 60]
        [--scenario stress|reading] [--workers 3] [--threads 4] [--reuse]

Needs PostgreSQL (``PORTAL_LOAD_DATABASE_URL``, default the local ``portal_load``
database, created if missing) and Redis for the shared look-up limiter
(``PORTAL_LOAD_CACHE_URL``). Seeds one mailed citation with a 1280x720 still per
simulated resident, starts gunicorn, runs locust, prints per-page throughput, median
and p95, the CPU seconds locust and gunicorn spent (and per request), the machine's load
average and busy share, and writes ``var/bench/portal_load-<scenario>.json``.

Each simulated resident repeats the whole visit with a fresh browser session: GET the
form, POST the number and plate, open the case page, open one evidence image. The
scenarios (``benchmarks/portal_locust.py``): ``stress`` waits 1-3 s between visits;
``reading`` types for 5-15 s and reads the case page for 20-60 s. All come from
127.0.0.1, which also shows that the per-address limiter (failures only) lets honest
residents through.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import resource
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "var" / "bench" / "portal"
CREDS = OUT / "credentials.json"
PORT = 8765
# The locust user class of each scenario (benchmarks/portal_locust.py).
SCENARIOS = {"stress": "StressResident", "reading": "ReadingResident"}


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=os.environ.get(
            "PORTAL_LOAD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_load"
        ),
        CACHE_URL=os.environ.get("PORTAL_LOAD_CACHE_URL", "redis://127.0.0.1:6379/8"),
        FAIRSPEED_VAR_DIR=str(OUT / "var"),
        DEBUG="0",
        SECRET_KEY="portal-load-benchmark-only",
        SECURE_COOKIES="0",  # plain http on localhost
        DB_CONN_MAX_AGE="600",  # one connection per gunicorn thread for the whole run
        YOLO_OFFLINE="1",
    )
    return env


def _recreatedb(url: str) -> None:
    """A fresh database each run (the audit log is append-only: flush cannot empty it)."""
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def seed(count: int) -> None:
    """Run inside the benchmark's environment: mailed citations with evidence on disk."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.conf import settings
    from django.utils import timezone
    from PIL import Image, ImageDraw

    from enforcement.cases import transitions as t
    from enforcement.cases.mailing import mailing_batch_create, mailing_batch_record_mailed
    from enforcement.models import Notice
    from tests.enforcement.cases.conftest import make_case
    from tests.factories import UserFactory, enforceable_camera

    rows = ["plate,state,make,model,colour,owner_name,address,email,language"]
    plates = [f"LD{i:05d}" for i in range(count)]
    rows += [
        f'{p},CA,Toyota,Corolla,Blue,Resident {p},"{i} Oak St",,en' for i, p in enumerate(plates)
    ]
    registry = OUT / "registry.csv"
    registry.write_text("\n".join(rows) + "\n")
    settings.FAIRSPEED["OWNER_REGISTRY"] = str(registry)
    image = Image.new("RGB", (1280, 720), (90, 90, 90))
    ImageDraw.Draw(image).rectangle(
        (500, 300, 800, 520), fill=(30, 60, 140), outline=(220, 0, 0), width=6
    )
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=85)
    reviewer: Any = UserFactory(roles=["reviewer"])
    approver: Any = UserFactory(roles=["approver"])
    camera = enforceable_camera()
    evidence_root = Path(settings.EVIDENCE_ROOT)
    for plate in plates:
        v = make_case(plate=plate, camera=camera)
        (evidence_root / str(v.event_id)).mkdir(parents=True, exist_ok=True)
        (evidence_root / str(v.event_id) / "entry.jpg").write_bytes(buf.getvalue())
        v.evidence_dir = str(v.event_id)
        v.evidence_manifest = {"files": [{"role": "entry", "name": "entry.jpg"}]}
        v.save(update_fields=["evidence_dir", "evidence_manifest"])
        t.violation_review(v.pk, reviewer, plate=plate)
        t.violation_approve(v.pk, approver)
        t.violation_vehicle_confirm(v.pk, approver)
    result = mailing_batch_create(approver, timezone.localdate())
    assert result is not None
    mailing_batch_record_mailed(result.batch.pk, approver, timezone.localdate())
    creds = [
        {"citation_number": n.number, "plate": n.plate}
        for n in Notice.objects.filter(plate__in=plates)
    ]
    CREDS.write_text(json.dumps(creds))


def _wait_up(url: str, seconds: float = 60) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"gunicorn did not answer at {url}")


def _stats(prefix: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with open(f"{prefix}_stats.csv") as fh:
        for row in csv.DictReader(fh):
            out[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "rps": round(float(row["Requests/s"]), 1),
                "median_ms": float(row["Median Response Time"] or 0),
                "p95_ms": float(row["95%"] or 0),
            }
    return out


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat."""
    fields = [float(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    tick = os.sysconf("SC_CLK_TCK")
    idle = fields[3] + fields[4]
    return (sum(fields) - idle) / tick, sum(fields) / tick


def _tree_cpu_s(pid: int) -> float:
    """CPU seconds of a running process and its children (gunicorn's master and workers)."""
    tick, total = os.sysconf("SC_CLK_TCK"), 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if stat.parent.name == str(pid) or fields[1] == str(pid):
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _warm_up(base: str, creds: list[dict[str, str]], visits: int) -> None:
    """Whole visits before the clock starts, so every worker has loaded its templates,
    translations and connections (a running server has)."""
    import http.cookiejar
    import urllib.parse

    for cred in creds[:visits]:
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        opener.open(f"{base}/portal/", timeout=30).read()
        token = next(c.value for c in jar if c.name == "csrftoken")
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **cred}).encode()
        opener.open(f"{base}/portal/", body, timeout=30).read()  # follows to the case page
        opener.open(f"{base}/portal/case/evidence/entry/", timeout=30).read()


def _postgres_cpu(url: str) -> float:
    """CPU seconds of the PostgreSQL backends serving the benchmark's database (the
    gunicorn threads' persistent connections), read from /proc before they close."""
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", [name]
        ).fetchall()
    total = 0.0
    for (pid,) in rows:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), default="stress")
    parser.add_argument("--reuse", action="store_true", help="keep the seeded database")
    parser.add_argument("--seed", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed:
        seed(args.seed)
        return
    OUT.mkdir(parents=True, exist_ok=True)
    env = _env()
    py = sys.executable
    if not (args.reuse and CREDS.exists() and len(json.loads(CREDS.read_text())) >= args.users):
        _recreatedb(env["DATABASE_URL"])
        subprocess.run([py, "manage.py", "migrate", "-v0"], env=env, cwd=REPO, check=True)
        seed_cmd = [py, "-m", "benchmarks.portal_load", "--seed", str(args.users)]
        subprocess.run(seed_cmd, env=env, cwd=REPO, check=True)
    bind = f"127.0.0.1:{PORT}"
    server = subprocess.Popen(
        [py, "-m", "gunicorn", "config.wsgi", "-b", bind, "-w", str(args.workers),
         "-k", "gthread", "--threads", str(args.threads), "--keep-alive", "75",
         "--log-level", "warning"],
        env=env, cwd=REPO,
    )  # fmt: skip
    try:
        _wait_up(f"http://{bind}/healthz")
        _warm_up(f"http://{bind}", json.loads(CREDS.read_text()), 10 * args.workers)
        prefix = OUT / "locust"
        load0, machine0 = os.getloadavg(), _machine_busy()
        cpu1, server0 = _children_cpu_s(), _tree_cpu_s(server.pid)
        postgres0 = _postgres_cpu(env["DATABASE_URL"])
        subprocess.run(
            [py, "-m", "locust", "-f", str(REPO / "benchmarks" / "portal_locust.py"),
             SCENARIOS[args.scenario], "--headless", "-u", str(args.users),
             "-r", "20", "-t", f"{args.seconds}s", "--host", f"http://{bind}",
             "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING"],
            env=env, cwd=REPO, check=False,
        )  # fmt: skip
        locust_cpu = _children_cpu_s() - cpu1
        machine1 = _machine_busy()
        postgres_cpu = _postgres_cpu(env["DATABASE_URL"]) - postgres0
        server_cpu = _tree_cpu_s(server.pid) - server0
        pages = _stats(prefix)
    finally:
        server.terminate()
        server.wait(timeout=30)
    requests = pages.get("Aggregated", {}).get("requests", 0) or 1
    busy, total = machine1[0] - machine0[0], machine1[1] - machine0[1]
    summary = {
        "scenario": args.scenario,
        "users": args.users,
        "seconds": args.seconds,
        "gunicorn": {"workers": args.workers, "threads": args.threads, "keep_alive_s": 75},
        "load_average_before": load0,
        "load_average_after": os.getloadavg(),
        "cpu_s": {
            "locust": round(locust_cpu, 1),
            "gunicorn": round(server_cpu, 1),
            "postgres": round(postgres_cpu, 1),
        },
        "cpu_ms_per_request": {
            "locust": round(locust_cpu * 1000 / requests, 2),
            "gunicorn": round(server_cpu * 1000 / requests, 2),
            "postgres": round(postgres_cpu * 1000 / requests, 2),
        },
        "machine_busy_percent": round(100 * busy / total, 1) if total else None,
        "pages": pages,
    }
    (REPO / "var" / "bench").mkdir(parents=True, exist_ok=True)
    out = REPO / "var" / "bench" / f"portal_load-{args.scenario}.json"
    out.write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
