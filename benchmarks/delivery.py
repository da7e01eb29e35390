"""Delivery: events per second through spool -> broker -> record_violation, and the latency
from a vehicle leaving the zone to its violation stored, on each broker.

    python -m benchmarks.delivery [--events N] [--brokers filesystem,redis]

Each broker runs in a fresh child process with its own var dir, SQLite file database and
(for Redis) its own redis-server on a free port, plus a real Celery worker process:

* throughput: N violation events, each with its own signed evidence package (~60 KB,
  inline in the message), are spooled first; then the clock starts, the camera worker's
  delivery thread publishes them and the Celery worker verifies and stores them. Reported:
  events/s until the spool is empty (publish) and until the last Violation is stored.
* latency: ``run_camera --realtime`` plays a synthetic clip with known speeders at its
  own pace, as a live camera; for each violation, stored time (Violation.received_at)
  minus the wall time the vehicle left the zone (segment start + t_exit). This includes
  the worker noticing the vehicle left (5 frames out of the zone), evidence building on
  its own thread (redaction, plate OCR, signing), spool, broker and storage.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cameras.vision.evidence.signing import SigningKey
    from cameras.worker.spool import Spool

REPO = Path(__file__).resolve().parents[1]


def _env(tmp: Path, broker_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "FAIRSPEED_VAR_DIR": str(tmp / "var"),
        "FAIRSPEED_SPOOL_DIR": str(tmp / "spool"),
        "FAIRSPEED_KEYS_DIR": str(tmp / "keys"),
        "EVIDENCE_ROOT": str(tmp / "evidence"),
        "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}",
        "CELERY_BROKER_URL": broker_url,
        "YOLO_OFFLINE": "1",
        "PYTHONUNBUFFERED": "1",
        "LOG_LEVEL": "WARNING",
    }


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _wait(condition: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


# -- the child: one broker ----------------------------------------------------------------------
def child(broker: str, tmp: Path, events: int, clip_dir: Path) -> dict[str, Any]:
    """One broker's run, inside its own Django (settings from the parent's environment):
    a Celery worker in the background, then throughput, then latency."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from config.celery import worker_argv

    env = dict(os.environ)
    logs = tmp / "logs"
    logs.mkdir(exist_ok=True)
    celery = subprocess.Popen(
        worker_argv("violations", f"bench-{uuid.uuid4().hex[:6]}", loglevel="WARNING"),
        cwd=REPO,
        env=env,
        stdout=(logs / "celery.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    result: dict[str, Any] = {"broker": broker}
    try:
        result["throughput"] = _throughput(tmp, events)
        result["latency"] = _latency(clip_dir, env)
    finally:
        celery.terminate()
        try:
            celery.wait(timeout=20)
        except subprocess.TimeoutExpired:
            celery.kill()
    return result


def _throughput(tmp: Path, events: int) -> dict[str, Any]:
    """``events`` signed violations spooled first; then the clock starts, the delivery
    thread publishes them and the Celery worker verifies and stores them."""
    from cameras.limits import max_message_bytes
    from cameras.worker.delivery import Delivery
    from cameras.worker.spool import Spool
    from cameras.worker.wiring import Publisher, camera_key
    from enforcement.models import Violation
    from tests.factories import enforceable_camera

    camera = enforceable_camera(code="bench-tp")
    key = camera_key(camera)
    spool = Spool(tmp / "spool-tp")
    sizes = _spool_events(spool, tmp / "build", camera.code, key, events)
    shutil.rmtree(tmp / "build", ignore_errors=True)
    delivery = Delivery(spool, Publisher(), max_message_bytes=max_message_bytes())
    t0 = time.perf_counter()
    delivery.start()
    _wait(lambda: spool.size().pending == 0, 300)
    t_published = time.perf_counter() - t0
    done = _wait(lambda: Violation.objects.filter(camera=camera).count() >= events, 600)
    t_stored = time.perf_counter() - t0
    delivery.stop()
    spool.close()
    verified = Violation.objects.filter(camera=camera, evidence_verified=True).count()
    return {
        "events": events,
        "package_kb": round(statistics.mean(sizes) / 1024, 1),
        "publish_events_per_s": round(events / t_published, 1),
        "stored_events_per_s": round(events / t_stored, 1) if done else None,
        "verified": verified,
    }


def _spool_events(
    spool: Spool, build: Path, camera_code: str, key: SigningKey, events: int
) -> list[int]:
    """Spool ``events`` violations, each with its own signed package (~60 KB); returns the
    packages' sizes."""
    from datetime import UTC, datetime, timedelta

    import numpy as np
    from django.utils import timezone

    from cameras.vision.evidence.package import (
        EvidenceFrame,
        Measurement,
        build_package,
        package_to_bytes,
    )
    from cameras.vision.evidence.plate import PlateRead

    image = np.full((360, 640, 3), 110, np.uint8)
    image[150:300, 250:420] = (40, 40, 190)
    now = timezone.now()
    start = datetime.now(UTC)
    frames = [EvidenceFrame(i, start + timedelta(seconds=i / 30), image) for i in (0, 20)]
    sizes = []
    for _ in range(events):
        event_id = str(uuid.uuid4())
        pkg = build_package(
            build / event_id,
            camera_id=camera_code,
            calibration_version="1",
            frames=frames,
            boxes={0: (250, 150, 420, 300), 20: (260, 140, 410, 280)},
            measurement=Measurement(1, 84.0, 1.4, 50.0, 0.1, 0.7),
            key=key,
            plate_read=PlateRead("AB123CD", 0.9, (40, 110, 130, 140), False),
            event_id=event_id,
        )
        data = package_to_bytes(pkg.directory)
        sizes.append(len(data))
        spool.put(event_id, _event(event_id, camera_code, now.isoformat()), data)
    return sizes


def _event(event_id: str, camera_code: str, measured_at: str) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "event_id": event_id,
        "camera_code": camera_code,
        "calibration_version": 1,
        "measured_at": measured_at,
        "limit_kmh": 50,
        "passage": {
            "speed_kmh": 84.0,
            "uncertainty_kmh": 1.4,
            "valid": True,
            "class": "car",
            "t_enter_s": 0.1,
            "t_exit_s": 0.7,
        },
        "plate": {"text": "AB123CD", "confidence": 0.9},
    }


def _latency(clip_dir: Path, env: dict[str, str]) -> dict[str, Any]:
    """``run_camera --realtime`` over a synthetic clip: for each violation, stored time
    minus the wall time the vehicle left the zone."""
    from datetime import timedelta

    from enforcement.models import Violation
    from tests.cameras.clips import LANE1, LANE2, render
    from tests.factories import enforceable_camera

    # 20 speeders (85-95 km/h) 1.6 s apart in one lane, slow traffic in the other: enough
    # violations for a median and a 95th percentile that mean something.
    bench = [(85.0 + (i * 7) % 11, LANE2, 1.2 + 1.6 * i) for i in range(20)]
    bench += [(35.0 + (i * 3) % 10, LANE1, 2.0 + 3.2 * i) for i in range(10)]
    bench.sort(key=lambda v: v[2])
    clip = render(clip_dir, "bench", bench)
    cam = enforceable_camera(code="bench-lat", source_url=str(clip.video))
    cam.calibrations.update(data=clip.calibration)
    worker = subprocess.run(
        [sys.executable, "manage.py", "run_camera", cam.code, "--source", str(clip.video),
         "--once", "--realtime", "--detector", "motion", "--drain-timeout", "60"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )  # fmt: skip
    report = json.loads(worker.stdout.strip().splitlines()[-1]) if worker.stdout else {}
    _wait(lambda: Violation.objects.filter(camera=cam).count() >= report.get("violations", 0), 60)
    latencies = []
    for v in Violation.objects.filter(camera=cam):
        p = v.measurement
        left_zone = v.measured_at + timedelta(seconds=p["t_exit_s"] - p["t_enter_s"])
        latencies.append((v.received_at - left_zone).total_seconds())
    out: dict[str, Any] = {
        "speeders_in_clip": len(clip.speeders),
        "violations": len(latencies),
        "median_s": round(statistics.median(latencies), 3) if latencies else None,
        "p95_s": round(_percentile(latencies, 0.95), 3) if latencies else None,
        "max_s": round(max(latencies), 3) if latencies else None,
    }
    if worker.returncode != 0:
        out["error"] = worker.stderr[-2000:]
    return out


def _wait_listening(port: int, timeout_s: float) -> None:
    """Wait until redis-server accepts connections (a fixed sleep races a slow start)."""
    import socket

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with socket.socket() as s:
            s.settimeout(0.2)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"redis-server did not listen on port {port} within {timeout_s} s")


# -- the parent -----------------------------------------------------------------------------------
def run_broker(broker: str, events: int, clip_dir: Path) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix=f"fs-bench-{broker}-"))
    redis_proc = None
    try:
        if broker == "redis":
            import socket

            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            redis_proc = subprocess.Popen(
                [
                    "redis-server",
                    "--port",
                    str(port),
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--bind",
                    "127.0.0.1",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            _wait_listening(port, timeout_s=10.0)
            url = f"redis://127.0.0.1:{port}/0"
        else:
            url = "filesystem://"
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks.delivery",
                "--child",
                broker,
                "--dir",
                str(tmp),
                "--events",
                str(events),
                "--clip-dir",
                str(clip_dir),
            ],
            cwd=REPO,
            env=_env(tmp, url),
            capture_output=True,
            text=True,
            timeout=1200,
        )
        if out.returncode != 0:
            return {"broker": broker, "error": out.stderr[-3000:]}
        return dict(json.loads(out.stdout.strip().splitlines()[-1]))
    finally:
        if redis_proc is not None:
            redis_proc.terminate()
            redis_proc.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--brokers", default="filesystem,redis")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--dir", help=argparse.SUPPRESS)
    parser.add_argument("--clip-dir", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        sys.path.insert(0, str(REPO))
        result = child(args.child, Path(args.dir), args.events, Path(args.clip_dir))
        print(json.dumps(result))
        return 0
    clip_dir = Path(tempfile.mkdtemp(prefix="fs-bench-clips-"))
    results = []
    try:
        for broker in args.brokers.split(","):
            if broker == "redis" and shutil.which("redis-server") is None:
                print("redis-server not installed: skipping Redis", file=sys.stderr)
                continue
            print(f"delivery benchmark on {broker}…", file=sys.stderr)
            results.append(run_broker(broker, args.events, clip_dir))
    finally:
        shutil.rmtree(clip_dir, ignore_errors=True)
    print(
        f"{'broker':<11} {'publish ev/s':>12} {'stored ev/s':>12} {'pkg KB':>7} "
        f"{'verified':>9} {'lat median s':>13} {'lat p95 s':>10} {'violations':>11}"
    )
    for r in results:
        if "error" in r:
            print(f"{r['broker']:<11} ERROR {r['error'][-500:]}")
            continue
        tp, lat = r["throughput"], r["latency"]
        print(
            f"{r['broker']:<11} {tp['publish_events_per_s']:>12} {tp['stored_events_per_s']!s:>12} "
            f"{tp['package_kb']:>7} {tp['verified']:>4}/{tp['events']:<4} "
            f"{lat['median_s']!s:>13} {lat['p95_s']!s:>10} "
            f"{lat['violations']:>5}/{lat['speeders_in_clip']:<5}"
        )
    print(json.dumps({"delivery": results}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
