"""Resident portal under load: look-up → case page → evidence image, served by gunicorn
on PostgreSQL, driven by locust (headless).

    .venv/bin/python -m benchmarks.portal_load [--users 200] [--seconds 60] [--workers 5]

Needs PostgreSQL (``PORTAL_LOAD_DATABASE_URL``, default the local ``portal_load``
database, created if missing) and Redis for the shared look-up limiter
(``PORTAL_LOAD_CACHE_URL``). Seeds one mailed citation with a 1280x720 still per
simulated resident, starts gunicorn, runs locust, prints per-page throughput, median
and p95, and writes ``var/bench/portal_load.json``.

Each simulated resident repeats the whole visit with a fresh browser session: GET the
form, POST the number and plate, open the case page, open one evidence image, then
waits 1-3 s. All come from 127.0.0.1, which also shows that the per-address limiter
(failures only) lets honest residents through.
"""

from __future__ import annotations

import argparse
import csv
import io
import itertools
import json
import os
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

try:  # the locust side: imported by `locust -f benchmarks/portal_load.py`
    from locust import HttpUser, between, task

    _creds = itertools.cycle(json.loads(CREDS.read_text()) if CREDS.exists() else [{}])

    class Resident(HttpUser):
        wait_time = between(1, 3)

        def on_start(self) -> None:
            self.cred = next(_creds)

        @task
        def visit(self) -> None:
            self.client.cookies.clear()
            form = self.client.get("/portal/", name="1 look-up form")
            token = self.client.cookies.get("csrftoken", "")
            if form.status_code != 200 or not token:
                return  # counted as the form's failure; a POST without a token proves nothing
            with self.client.post(
                "/portal/",
                {"csrfmiddlewaretoken": token, **self.cred},
                name="2 look-up",
                allow_redirects=False,
                catch_response=True,
            ) as response:
                if response.status_code != 302:
                    response.failure(f"look-up answered {response.status_code}")
                    return
            with self.client.get("/portal/case/", name="3 case page", catch_response=True) as r:
                if self.cred["citation_number"][:4] not in r.text:
                    r.failure("case page without the notice")
            self.client.get("/portal/case/evidence/entry/", name="4 evidence image")

except ImportError:  # locust is a dev dependency; the driver below still imports
    pass


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
        DB_CONN_MAX_AGE="60",
        YOLO_OFFLINE="1",
    )
    return env


def _createdb(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument("--seed", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed:
        seed(args.seed)
        return
    OUT.mkdir(parents=True, exist_ok=True)
    env = _env()
    _createdb(env["DATABASE_URL"])
    py = sys.executable
    subprocess.run([py, "manage.py", "flush", "--no-input"], env=env, cwd=REPO, check=False)
    subprocess.run([py, "manage.py", "migrate", "-v0"], env=env, cwd=REPO, check=True)
    subprocess.run(
        [py, "-m", "benchmarks.portal_load", "--seed", str(args.users)],
        env=env,
        cwd=REPO,
        check=True,
    )
    bind = f"127.0.0.1:{PORT}"
    server = subprocess.Popen(
        [py, "-m", "gunicorn", "config.wsgi", "-b", bind, "-w", str(args.workers),
         "-k", "gthread", "--threads", "4", "--keep-alive", "10", "--log-level", "warning"],
        env=env, cwd=REPO,
    )  # fmt: skip
    try:
        _wait_up(f"http://{bind}/healthz")
        prefix = OUT / "locust"
        subprocess.run(
            [py, "-m", "locust", "-f", str(Path(__file__)), "--headless", "-u", str(args.users),
             "-r", "20", "-t", f"{args.seconds}s", "--host", f"http://{bind}",
             "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING"],
            env=env, cwd=REPO, check=False,
        )  # fmt: skip
        summary = {
            "users": args.users,
            "seconds": args.seconds,
            "gunicorn": {"workers": args.workers, "threads": 4, "keep_alive_s": 10},
            "load_average_after": os.getloadavg(),
            "pages": _stats(prefix),
        }
    finally:
        server.terminate()
        server.wait(timeout=30)
    (REPO / "var" / "bench").mkdir(parents=True, exist_ok=True)
    (REPO / "var" / "bench" / "portal_load.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
