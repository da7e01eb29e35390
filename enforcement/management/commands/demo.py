"""`make demo`: the whole pipeline on the embedded defaults, start to finish."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import QuerySet, Sum

from cameras.models import Camera, TrafficCount
from config.celery import worker_argv
from enforcement.demo import (
    demo_mail,
    demo_placements,
    demo_policy,
    demo_registry,
    demo_review,
    demo_sample_notices,
    demo_scene,
    demo_seed,
    demo_users,
)
from enforcement.models import Notice, Violation

REPO = Path(settings.BASE_DIR)


class Command(BaseCommand):
    help = "Seed demo data, run a camera worker over the demo clip, show what arrived, serve."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--no-serve", action="store_true", help="exit when done")
        parser.add_argument("--port", default="8000")
        parser.add_argument("--timeout", type=float, default=600.0)

    def handle(self, *args: Any, **opts: Any) -> None:
        var = Path(settings.VAR_DIR)
        log = self.stderr.write
        log("• rendering the demo clip (synthetic scene with exact ground truth)…")
        files = demo_scene(var / "demo")
        calibration = json.loads(files["calibration"].read_text())
        truth = json.loads(files["truth"].read_text())
        log("• loading Port Halden (a fictional city) and the demo rule set…")
        demo_policy()
        camera = demo_seed(calibration, files["video"])
        users = demo_users(var)
        placements = demo_placements()
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        procs: list[subprocess.Popen[bytes]] = []
        try:
            log("• starting a Celery worker and beat (logs in var/logs/)…")
            _start_celery(var, env, procs)
            before = set(Violation.objects.filter(camera=camera).values_list("event_id", flat=True))
            log(f"• camera worker measuring {files['video'].name} …")
            report = _run_camera(camera.code, files["video"], env, opts["timeout"])
            sent = int(report.get("violations_sent", 0))
            log(f"• worker done: {report}")
            new = _await_violations(camera, before, sent, opts["timeout"])
            self._print_story(new, truth, report.get("rejected") or {})
            portal = self._staff_half(camera, var)
            counted = TrafficCount.objects.filter(camera=camera).aggregate(n=Sum("vehicles"))["n"]
            notices = Notice.objects.filter(violation__camera=camera)
            # What the database holds for the demo camera, so a second run says the same.
            summary = {
                "measured": int(report.get("passages", counted or 0)),
                "violations": Violation.objects.filter(camera=camera).count(),
                "warnings": notices.filter(kind="warning").count(),
                "citations": notices.filter(kind="citation").count(),
                "placements": placements,
                "portal": portal,
                "users": users,
            }
            if not opts["no_serve"]:
                self._serve(opts["port"], users)
            self.stdout.write(json.dumps(summary))
        finally:
            _stop(procs)

    def _staff_half(self, camera: Any, var: Path) -> dict[str, str]:
        log = self.stderr.write
        demo_registry(var / "demo" / "registry.csv")
        cleared = demo_review(camera)
        log(f"• demo reviewer and approver cleared {cleared} case(s) (the review services)")
        portal = demo_mail(var)
        for path in demo_sample_notices(var, portal):
            log(f"  sample notice: {path}")
        return portal

    def _print_story(
        self, violations: Any, truth: dict[str, Any], rejected: dict[str, int]
    ) -> None:
        log = self.stderr.write
        speeders = [v["speed_kmh"] for v in truth["vehicles"] if v["speed_kmh"] > 60]
        log(f"• ground truth: {len(truth['vehicles'])} vehicles, speeders at {speeders} km/h")
        for v in violations.order_by("measured_at"):
            log(
                f"  violation {v.event_id}: {v.speed_kmh:.1f} ± {v.uncertainty_kmh:.1f} km/h "
                f"→ {v.status} ({v.status_reason})"
            )
        if rejected:
            # A reading that fails a check tickets nobody, whatever its speed: say so, so a
            # speeder with no violation above is not a mystery.
            why = ", ".join(f"{reason} {n}" for reason, n in rejected.items())
            log(f"  readings the engine rejected (no ticket, whatever the speed): {why}")

    def _serve(self, port: str, users: dict[str, dict[str, str]]) -> None:
        log = self.stderr.write
        log(f"\nFairspeed is running at http://127.0.0.1:{port}/  (Ctrl-C to stop)")
        log(f"  staff:  http://127.0.0.1:{port}/staff/   portal: /portal/   health: /healthz")
        for role, cred in users.items():
            log(f"  {role:16} {cred['username']:22} {cred['password']}")
        with contextlib.suppress(KeyboardInterrupt):
            subprocess.run(
                [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
                cwd=REPO,
                check=False,
            )


def _last_json(stdout: str) -> dict[str, Any]:
    for line in reversed(stdout.strip().splitlines()):
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return {}


def _start_celery(var: Path, env: dict[str, str], procs: list[subprocess.Popen[bytes]]) -> None:
    """A Celery worker and beat in the background, logging to var/logs/; each process is
    added to ``procs`` as soon as it runs."""
    logs = var / "logs"
    logs.mkdir(exist_ok=True)

    def spawn(name: str, argv: list[str]) -> None:
        out = (logs / f"{name}.log").open("ab")
        procs.append(
            subprocess.Popen(argv, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
        )

    celery = [sys.executable, "-m", "celery", "-A", "config"]
    spawn("celery-worker", worker_argv("violations,vision,maintenance", "demo"))
    spawn(
        "celery-beat",
        [*celery, "beat", "--loglevel", "INFO", "-s", str(var / "celerybeat-schedule")],
    )


def _run_camera(code: str, video: Path, env: dict[str, str], timeout: float) -> dict[str, Any]:
    """One pass of the camera worker over the clip; its final report."""
    worker = subprocess.run(
        [sys.executable, "manage.py", "run_camera", code, "--source", str(video),
         "--once", "--detector", "motion"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )  # fmt: skip
    if worker.returncode != 0:
        raise CommandError(f"camera worker failed:\n{worker.stderr[-3000:]}")
    return _last_json(worker.stdout)


def _await_violations(
    camera: Camera, before: set[UUID], sent: int, timeout: float
) -> QuerySet[Violation]:
    """The camera's violations not in ``before``, once ``sent`` of them have arrived (or
    the time is up)."""
    deadline = time.monotonic() + timeout
    new = Violation.objects.none()
    while time.monotonic() < deadline:
        new = Violation.objects.filter(camera=camera).exclude(event_id__in=before)
        if new.count() >= sent:
            break
        time.sleep(0.5)
    return new


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
